//! Integer and float literals: `42`, `1_000`, `0o755`, `0x1f`, `0b101`,
//! `1.5`, `2.0e3`.

use super::Lexer;
use crate::ast::FloatLit;
use crate::token::TokenKind;

impl<'s> Lexer<'s> {
    pub(super) fn number(&mut self) {
        let start = self.pos;
        let radix = match self.rest().get(..2) {
            Some("0x" | "0X") => 16,
            Some("0o" | "0O") => 8,
            Some("0b" | "0B") => 2,
            _ => 10,
        };
        let kind = if radix == 10 {
            self.decimal(start)
        } else {
            self.radix_int(start, radix)
        };
        // `12abc`: letters glued to a number are an error, not a new token.
        let suffix_len = self
            .rest()
            .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
            .unwrap_or(self.rest().len());
        if suffix_len > 0 {
            self.pos += suffix_len;
            let suffix = self.src[self.pos - suffix_len..self.pos].to_string();
            self.error(
                "E0005",
                format!("invalid suffix `{suffix}` on number literal"),
                start,
                self.pos,
            );
        }
        self.push(kind.unwrap_or(TokenKind::Int(0)), start, self.pos);
    }

    fn take_digits(&mut self, accept: impl Fn(char) -> bool) -> &str {
        let from = self.pos;
        let len = self
            .rest()
            .find(|c: char| !(c == '_' || accept(c)))
            .unwrap_or(self.rest().len());
        self.pos += len;
        &self.src[from..self.pos]
    }

    fn radix_int(&mut self, start: usize, radix: u32) -> Option<TokenKind<'s>> {
        self.pos += 2;
        // Take every alphanumeric so that `0o78` reports the bad digit.
        let digits = self.take_digits(|c| c.is_ascii_alphanumeric()).to_string();
        let name = match radix {
            16 => "hexadecimal",
            8 => "octal",
            _ => "binary",
        };
        if let Some(bad) = digits.chars().find(|&c| c != '_' && !c.is_digit(radix)) {
            self.error(
                "E0005",
                format!("invalid digit `{bad}` in {name} literal"),
                start,
                self.pos,
            );
            return None;
        }
        let clean: String = digits.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() {
            self.error(
                "E0005",
                format!("{name} literal has no digits"),
                start,
                self.pos,
            );
            return None;
        }
        self.int_value(i64::from_str_radix(&clean, radix).ok(), start)
    }

    fn decimal(&mut self, start: usize) -> Option<TokenKind<'s>> {
        self.take_digits(|c| c.is_ascii_digit());
        let mut is_float = false;
        // `1.5` is a float; `1.to_str()` is a method call on `1`.
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            self.take_digits(|c| c.is_ascii_digit());
            is_float = true;
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek_at(1), Some('+' | '-')));
            if self.peek_at(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1 + sign;
                self.take_digits(|c| c.is_ascii_digit());
                is_float = true;
            }
        }
        let clean: String = self.src[start..self.pos]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        if is_float {
            match clean.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(TokenKind::Float(FloatLit::new(v))),
                _ => {
                    self.error("E0005", "float literal is out of range", start, self.pos);
                    None
                }
            }
        } else {
            self.int_value(clean.parse::<i64>().ok(), start)
        }
    }

    fn int_value(&mut self, value: Option<i64>, start: usize) -> Option<TokenKind<'s>> {
        if value.is_none() {
            let message = "integer literal is too large (the largest int is 9223372036854775807)";
            self.error("E0005", message, start, self.pos);
        }
        value.map(TokenKind::Int)
    }
}
