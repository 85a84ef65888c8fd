//! `facts.cpus`, `facts.memory`, `facts.timezone`, `facts.locales`,
//! `facts.mounts`: the machine's resources and settings, from `/proc`,
//! `getconf`, `/etc/localtime` and `locale -a`.

use std::sync::Arc;

use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, lines, parse_int, record, require_success, single_line,
    str_list, str_value,
};

pub fn cpus_script(_: &[&str]) -> String {
    "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc".into()
}

/// The number of online processors: a positive integer.
pub fn parse_cpus(section: &Section) -> ParseResult {
    require_success(section)?;
    let line = single_line(&section.stdout)?;
    let n = parse_int("the processor count", line, line)?;
    if n < 1 {
        return Err(ParseError::at_line("no processor online", line));
    }
    Ok(Value::Int(n))
}

pub fn memory_script(_: &[&str]) -> String {
    "cat /proc/meminfo".into()
}

/// `/proc/meminfo`: `MemTotal` and `MemAvailable` (`MemFree` on kernels
/// before 3.14, which have no estimate), in bytes.
pub fn parse_memory(section: &Section) -> ParseResult {
    require_success(section)?;
    let (mut total, mut available, mut free) = (None, None, None);
    for line in lines(&section.stdout) {
        let Some((key, rest)) = line.split_once(':') else {
            return Err(ParseError::at_line("expected KEY: VALUE in meminfo", line));
        };
        let slot = match key {
            "MemTotal" => &mut total,
            "MemAvailable" => &mut available,
            "MemFree" => &mut free,
            _ => continue,
        };
        let number = rest.trim().strip_suffix("kB").unwrap_or(rest);
        let kib = parse_int(key, number, line)?;
        let bytes = kib
            .checked_mul(1024)
            .ok_or_else(|| ParseError::at_line(format!("{key} is out of range"), line))?;
        *slot = Some(bytes);
    }
    let total = total.ok_or_else(|| ParseError::new("meminfo has no MemTotal"))?;
    let available = available
        .or(free)
        .ok_or_else(|| ParseError::new("meminfo has no MemAvailable nor MemFree"))?;
    Ok(record([
        ("total", Value::Int(total)),
        ("available", Value::Int(available)),
    ]))
}

/// The zone `/etc/localtime` links to (below a `zoneinfo/` directory),
/// else Debian's `/etc/timezone`, else `UTC` (no `/etc/localtime`: the C
/// library's default).
pub fn timezone_script(_: &[&str]) -> String {
    "t=$(readlink /etc/localtime 2>/dev/null) || t=\n\
     case $t in\n\
     */zoneinfo/*) printf '%s\\n' \"${t#*/zoneinfo/}\" ;;\n\
     *) if [ -s /etc/timezone ]; then head -n 1 /etc/timezone\n\
        elif [ -e /etc/localtime ]; then echo 'cannot tell the zone of /etc/localtime (not a link into zoneinfo, no /etc/timezone)' >&2; exit 1\n\
        else echo UTC; fi ;;\n\
     esac"
        .into()
}

/// One zone name, e.g. `Europe/Paris` (a link into zoneinfo's `posix/`
/// or `right/` copies names the same zone).
pub fn parse_timezone(section: &Section) -> ParseResult {
    require_success(section)?;
    let line = single_line(&section.stdout)?.trim();
    let zone = ["posix/", "right/"]
        .iter()
        .find_map(|copy| line.strip_prefix(copy))
        .unwrap_or(line);
    if zone.is_empty() || zone.split('/').any(|part| part.is_empty() || part == "..") {
        return Err(ParseError::at_line("not a time zone name", zone));
    }
    Ok(str_value(zone))
}

pub fn locales_script(_: &[&str]) -> String {
    "locale -a".into()
}

/// `locale -a`: one locale per line, as the C library names them
/// (`C.utf8`, `en_US.utf8`), sorted, without duplicates.
pub fn parse_locales(section: &Section) -> ParseResult {
    require_success(section)?;
    let mut names: Vec<&str> = lines(&section.stdout)
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    Ok(str_list(names))
}

pub fn mounts_script(_: &[&str]) -> String {
    "cat /proc/self/mounts".into()
}

/// `/proc/self/mounts`: `DEVICE PATH FSTYPE OPTIONS 0 0` per line, with
/// spaces, tabs, newlines and backslashes in names as octal escapes.
pub fn parse_mounts(section: &Section) -> ParseResult {
    require_success(section)?;
    let mut mounts = Vec::new();
    for line in lines(&section.stdout) {
        let parts: Vec<&str> = line.split(' ').collect();
        let [device, path, fstype, options, ..] = parts.as_slice() else {
            return Err(ParseError::at_line(
                "expected DEVICE PATH FSTYPE OPTIONS in mounts",
                line,
            ));
        };
        let unescape = |field: &str| {
            unescape_octal(field)
                .ok_or_else(|| ParseError::at_line("a bad octal escape in mounts", line))
        };
        mounts.push(record([
            ("device", str_value(&unescape(device)?)),
            ("path", str_value(&unescape(path)?)),
            ("fstype", str_value(&unescape(fstype)?)),
            ("options", str_list(unescape(options)?.split(','))),
        ]));
    }
    Ok(Value::List(Arc::new(mounts)))
}

/// `\040` → a space, as the kernel's `mangle` writes them; `None` for a
/// backslash without three octal digits or a result that is not UTF-8.
fn unescape_octal(field: &str) -> Option<String> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            let digits = bytes.get(i + 1..i + 4)?;
            let text = std::str::from_utf8(digits).ok()?;
            out.push(u8::from_str_radix(text, 8).ok()?);
            i += 4;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn cpus() {
        assert_eq!(parse_cpus(&ok("8\n")), Ok(Value::Int(8)));
        assert!(parse_cpus(&ok("0\n")).is_err());
        assert!(parse_cpus(&ok("eight\n")).is_err());
    }

    #[test]
    fn memory_in_bytes() {
        let out = "MemTotal:       16314396 kB\nMemFree:         1000 kB\nMemAvailable:   10000 kB\nHugePages_Total:       0\n";
        assert_eq!(
            parse_memory(&ok(out)),
            Ok(record([
                ("total", Value::Int(16314396 * 1024)),
                ("available", Value::Int(10000 * 1024)),
            ]))
        );
        let old = "MemTotal: 2048 kB\nMemFree: 1024 kB\n";
        assert_eq!(
            parse_memory(&ok(old)),
            Ok(record([
                ("total", Value::Int(2048 * 1024)),
                ("available", Value::Int(1024 * 1024)),
            ]))
        );
        assert_eq!(
            parse_memory(&ok("MemFree: 1 kB\n")).map_err(|e| e.to_string()),
            Err("meminfo has no MemTotal".into())
        );
        assert!(parse_memory(&ok("MemTotal: 99999999999999999999 kB\n")).is_err());
    }

    #[test]
    fn timezone_names() {
        assert_eq!(
            parse_timezone(&ok("Europe/Paris\n")),
            Ok(str_value("Europe/Paris"))
        );
        assert_eq!(
            parse_timezone(&ok("posix/Asia/Tokyo\n")),
            Ok(str_value("Asia/Tokyo"))
        );
        assert!(parse_timezone(&ok("../etc\n")).is_err());
        assert!(parse_timezone(&ok("\n")).is_err());
    }

    #[test]
    fn locales_sorted_unique() {
        assert_eq!(
            parse_locales(&ok("en_US.utf8\nC\nC.utf8\nC\nPOSIX\n")),
            Ok(str_list(["C", "C.utf8", "POSIX", "en_US.utf8"]))
        );
    }

    #[test]
    fn mounts_with_escapes() {
        let out =
            "proc /proc proc rw,nosuid 0 0\n/dev/sda1 /mnt/my\\040disk ext4 rw,relatime 0 0\n";
        let Ok(Value::List(mounts)) = parse_mounts(&ok(out)) else {
            panic!("not a list")
        };
        assert_eq!(
            mounts.get(1),
            Some(&record([
                ("device", str_value("/dev/sda1")),
                ("path", str_value("/mnt/my disk")),
                ("fstype", str_value("ext4")),
                ("options", str_list(["rw", "relatime"])),
            ]))
        );
        assert!(parse_mounts(&ok("just two\n")).is_err());
        assert!(parse_mounts(&ok("a /b\\04 c d 0 0\n")).is_err());
    }
}
