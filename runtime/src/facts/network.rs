//! `facts.network`: the interfaces' addresses and the default IPv4 route,
//! from `ip -o addr show` and `ip -4 route show default` (iproute2).

use std::collections::BTreeMap;
use std::sync::Arc;

use infrac_vm::value::Value;

use super::parse::{
    ParseError, ParseResult, Section, lines, optional, record, require_success, str_list, str_value,
};

/// The line between the two commands' outputs.
const BETWEEN: &str = "--infrac-routes--";

pub fn script(_: &[&str]) -> String {
    format!(
        "command -v ip >/dev/null 2>&1 || {{ echo 'ip (iproute2) not found on this host' >&2; exit 127; }}\n\
         ip -o addr show && echo {BETWEEN} && ip -4 route show default"
    )
}

/// `N: NAME FAMILY ADDRESS/PREFIX ...` lines, then the default routes
/// (`default via GW dev NAME ...`): the first one's interface and that
/// interface's first IPv4 address are the defaults.
pub fn parse(section: &Section) -> ParseResult {
    require_success(section)?;
    let out = lines(&section.stdout);
    let Some(split) = out.iter().position(|l| *l == BETWEEN) else {
        return Err(ParseError::new(format!("no {BETWEEN} line in the output")));
    };
    let (addrs, routes) = out.split_at(split);
    // Interfaces in the order `ip` lists them, each with its addresses.
    let mut order: Vec<&str> = Vec::new();
    let mut found: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for line in addrs {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [_, name, family, address, ..] = words.as_slice() else {
            return Err(ParseError::at_line("expected N: NAME FAMILY ADDRESS", line));
        };
        let name = name.split('@').next().unwrap_or(name);
        if !found.contains_key(name) {
            order.push(name);
        }
        let (v4, v6) = found.entry(name).or_default();
        match *family {
            "inet" => v4.push(address),
            "inet6" => v6.push(address),
            _ => {}
        }
    }
    let default_interface = routes.iter().skip(1).find_map(|route| {
        let mut words = route.split_whitespace();
        words.find(|w| *w == "dev").and(words.next())
    });
    let default_ipv4 = default_interface
        .and_then(|dev| found.get(dev))
        .and_then(|(v4, _)| v4.first())
        .map(|a| str_value(a.split('/').next().unwrap_or(a)));
    let interfaces = order
        .iter()
        .map(|name| {
            let (v4, v6) = found.get(name).cloned().unwrap_or_default();
            record([
                ("name", str_value(name)),
                ("ipv4", str_list(v4)),
                ("ipv6", str_list(v6)),
            ])
        })
        .collect();
    Ok(record([
        ("interfaces", Value::List(Arc::new(interfaces))),
        (
            "default_interface",
            optional(default_interface.map(str_value)),
        ),
        ("default_ipv4", optional(default_ipv4)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::parse::ok;

    #[test]
    fn addresses_and_default_route() {
        let out = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n\
                   1: lo    inet6 ::1/128 scope host \\       valid_lft forever\n\
                   4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\  x\n\
                   4: eth0    inet6 fe80::1/64 scope link \\       valid_lft forever\n\
                   --infrac-routes--\n\
                   default via 192.0.2.1 dev eth0 \n";
        let iface = |name: &str, v4: &[&str], v6: &[&str]| {
            record([
                ("name", str_value(name)),
                ("ipv4", str_list(v4)),
                ("ipv6", str_list(v6)),
            ])
        };
        assert_eq!(
            parse(&ok(out)),
            Ok(record([
                (
                    "interfaces",
                    Value::List(Arc::new(vec![
                        iface("lo", &["127.0.0.1/8"], &["::1/128"]),
                        iface("eth0", &["192.0.2.2/24"], &["fe80::1/64"]),
                    ]))
                ),
                ("default_interface", str_value("eth0")),
                ("default_ipv4", str_value("192.0.2.2")),
            ]))
        );
    }

    #[test]
    fn no_default_route() {
        let Ok(Value::Record(r)) = parse(&ok(
            "1: lo    inet 127.0.0.1/8 scope host lo\n--infrac-routes--\n",
        )) else {
            panic!("not a record")
        };
        assert_eq!(r.get("default_ipv4"), Some(&Value::None));
        assert_eq!(r.get("default_interface"), Some(&Value::None));
        assert!(parse(&ok("1: lo\n--infrac-routes--\n")).is_err());
        assert!(parse(&ok("")).is_err());
    }
}
