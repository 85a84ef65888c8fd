//! Ansible host ranges: `web[01:03].example.com` is `web01`, `web02`,
//! `web03`; `db-[a:c]` is `db-a`, `db-b`, `db-c`; `[1:9:2]` has a step.
//! Several ranges in one name multiply.

/// Refuse ranges that would make absurdly many hosts (a typo, usually).
const MAX_HOSTS: usize = 100_000;

/// The host names a pattern stands for (just `pattern` when it has no range).
pub(super) fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    expand_into(pattern, &mut names)?;
    Ok(names)
}

fn expand_into(pattern: &str, out: &mut Vec<String>) -> Result<(), String> {
    let Some(open) = pattern.find('[') else {
        out.push(pattern.to_owned());
        return Ok(());
    };
    let Some(close) = pattern[open..].find(']').map(|i| open + i) else {
        return Err(format!("unclosed `[` in host pattern `{pattern}`"));
    };
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    for item in
        range_items(range).map_err(|e| format!("bad host range `[{range}]` in `{pattern}`: {e}"))?
    {
        expand_into(&format!("{head}{item}{tail}"), out)?;
        if out.len() > MAX_HOSTS {
            return Err(format!(
                "host pattern `{pattern}` makes more than {MAX_HOSTS} hosts"
            ));
        }
    }
    Ok(())
}

fn range_items(range: &str) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = range.split(':').collect();
    let (start, end, step) = match parts.as_slice() {
        [start, end] => (*start, *end, 1),
        [start, end, step] => {
            let step: usize = step
                .parse()
                .map_err(|_| format!("step `{step}` is not a number"))?;
            (*start, *end, step)
        }
        _ => return Err("expected [start:end] or [start:end:step]".into()),
    };
    if step == 0 {
        return Err("the step is 0".into());
    }
    let alpha = |s: &str| s.len() == 1 && s.bytes().all(|b| b.is_ascii_alphabetic());
    if alpha(start) && alpha(end) {
        let (a, b) = (start.as_bytes()[0], end.as_bytes()[0]);
        if a > b {
            return Err("the start is after the end".into());
        }
        return Ok((a..=b)
            .step_by(step)
            .map(|c| char::from(c).to_string())
            .collect());
    }
    let start_text = if start.is_empty() { "0" } else { start };
    let number = |s: &str| {
        s.parse::<u64>()
            .map_err(|_| format!("`{s}` is not a number or a letter"))
    };
    let (a, b) = (number(start_text)?, number(end)?);
    if a > b {
        return Err("the start is after the end".into());
    }
    if (b - a) / step as u64 > MAX_HOSTS as u64 {
        return Err(format!("more than {MAX_HOSTS} hosts"));
    }
    // A leading zero asks for fixed-width numbers (`[01:10]`).
    let width = if start_text.len() > 1 && start_text.starts_with('0') {
        if start_text.len() != end.len() {
            return Err("a zero-padded range needs a start and an end of the same width".into());
        }
        start_text.len()
    } else {
        0
    };
    Ok((a..=b)
        .step_by(step)
        .map(|n| format!("{n:0width$}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn plain_names_are_themselves() {
        assert_eq!(expand("web.example.com").unwrap(), ["web.example.com"]);
    }

    #[test]
    fn numeric_alpha_stepped_and_nested_ranges() {
        assert_eq!(
            expand("web[01:03].x").unwrap(),
            ["web01.x", "web02.x", "web03.x"]
        );
        assert_eq!(expand("db-[a:c]").unwrap(), ["db-a", "db-b", "db-c"]);
        assert_eq!(expand("n[1:9:4]").unwrap(), ["n1", "n5", "n9"]);
        assert_eq!(
            expand("r[1:2]c[a:b]").unwrap(),
            ["r1ca", "r1cb", "r2ca", "r2cb"]
        );
        assert_eq!(expand("h[:2]").unwrap(), ["h0", "h1", "h2"]);
    }

    #[test]
    fn bad_ranges_are_explained() {
        assert_eq!(
            expand("w[3:1]").unwrap_err(),
            "bad host range `[3:1]` in `w[3:1]`: the start is after the end"
        );
        assert_eq!(
            expand("w[1:2").unwrap_err(),
            "unclosed `[` in host pattern `w[1:2`"
        );
        assert_eq!(
            expand("w[01:100]").unwrap_err(),
            "bad host range `[01:100]` in `w[01:100]`: a zero-padded range needs a start and an end of the same width"
        );
        assert_eq!(
            expand("w[x]").unwrap_err(),
            "bad host range `[x]` in `w[x]`: expected [start:end] or [start:end:step]"
        );
        assert!(expand("w[0:99999999]").unwrap_err().contains("more than"));
    }
}
