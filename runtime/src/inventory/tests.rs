//! Inventories in every format (INI, YAML, JSON): groups, variables,
//! host specs and errors with file and line, as snapshots.

use std::fmt::Write;
use std::path::Path;

use expect_test::{Expect, expect};

use super::{Format, Inventory};

/// One line per host, then one per group.
fn render(inv: &Inventory) -> String {
    let mut out = String::new();
    for h in &inv.hosts {
        let _ = write!(out, "{} @{}", h.name, h.origin);
        for (label, value) in [
            ("address", h.address.clone()),
            ("port", h.port.map(|p| p.to_string())),
            ("user", h.user.clone()),
            (
                "identity",
                h.identity.as_ref().map(|p| p.display().to_string()),
            ),
            ("connection", h.connection.clone()),
            ("sudo", h.sudo.then(|| "true".to_string())),
        ] {
            if let Some(value) = value {
                let _ = write!(out, " {label}={value}");
            }
        }
        let _ = writeln!(
            out,
            " groups={} vars={}",
            h.groups.join(","),
            serde_json::Value::Object(h.vars.clone())
        );
    }
    for (group, hosts) in &inv.groups {
        let _ = writeln!(out, "[{group}] {}", hosts.join(" "));
    }
    out
}

fn check(file: &str, format: Format, text: &str, expected: Expect) {
    let rendered = match Inventory::parse(Path::new(file), text, format) {
        Ok(inv) => render(&inv),
        Err(e) => format!("error: {e}\n"),
    };
    expected.assert_eq(&rendered);
}

const INI: &str = r#"# hosts before any section are ungrouped
mail.example.com

[web]
web[01:02].example.com http_port=8080 enabled=true ratio=0.5 tags='["a", "b"]' motto="8080 is a string" # comment
[db]
db.example.com:2222 ansible_user=admin

[web:vars]
ansible_user=deploy
ntp=ntp.web

[prod:children]
web
db

[prod:vars]
ntp=ntp.prod
env=prod

[all:vars]
ansible_ssh_private_key_file=keys/id
"#;

#[test]
fn ini_groups_children_and_variable_precedence() {
    check(
        "inv/hosts",
        Format::Ini,
        INI,
        expect![[r#"
            mail.example.com @inv/hosts:2 identity=inv/keys/id groups=all,ungrouped vars={}
            web01.example.com @inv/hosts:5 user=deploy identity=inv/keys/id groups=all,prod,web vars={"enabled":true,"env":"prod","http_port":8080,"motto":"8080 is a string","ntp":"ntp.web","ratio":0.5,"tags":["a","b"]}
            web02.example.com @inv/hosts:5 user=deploy identity=inv/keys/id groups=all,prod,web vars={"enabled":true,"env":"prod","http_port":8080,"motto":"8080 is a string","ntp":"ntp.web","ratio":0.5,"tags":["a","b"]}
            db.example.com @inv/hosts:7 port=2222 user=admin identity=inv/keys/id groups=all,db,prod vars={"env":"prod","ntp":"ntp.prod"}
            [all] mail.example.com web01.example.com web02.example.com db.example.com
            [db] db.example.com
            [prod] web01.example.com web02.example.com db.example.com
            [ungrouped] mail.example.com
            [web] web01.example.com web02.example.com
        "#]],
    );
}

#[test]
fn ini_errors_name_file_and_line() {
    check(
        "h.ini",
        Format::Ini,
        "[web]\nweb1\n[web:vars]\nno_equals_sign\n",
        expect![[r#"
        error: h.ini:4: expected `name=value` in [web:vars], found `no_equals_sign`
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "[web]\nweb1 port\n",
        expect![[r#"
        error: h.ini:2: expected `name=value` after the host, found `port`
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "[web:hostz]\n",
        expect![[r#"
        error: h.ini:1: unknown section kind `:hostz` (expected :vars or :children)
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "[web\n",
        expect![[r#"
        error: h.ini:1: malformed section header `[web`
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "\n\nweb[3:1]\n",
        expect![[r#"
        error: h.ini:3: bad host range `[3:1]` in `web[3:1]`: the start is after the end
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "web1:99999\n",
        expect![[r#"
        error: h.ini:1: invalid port `99999`
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "web1 motto=\"open\n",
        expect![[r#"
        error: h.ini:1: unterminated " quote
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "[a:children]\nb\n[b:children]\na\n",
        expect![[r#"
        error: h.ini:1: group `a` contains itself: a → b → a
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "web1 ansible_port=http\n",
        expect![[r#"
        error: h.ini:1: host `web1`: `ansible_port` is not a port number: "http"
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "web1 ansible_connection=winrm\n",
        expect![[r#"
        error: h.ini:1: host `web1`: connection `winrm` is not supported (expected ssh, local or docker)
    "#]],
    );
    check(
        "h.ini",
        Format::Ini,
        "web1 ansible_become=true ansible_become_user=root\nweb2 ansible_become=true ansible_become_user=nobody\n",
        expect![[r#"
            error: h.ini:2: host `web2`: `ansible_become_user=nobody` is not supported: `ansible_become` runs every command through sudo as root (ops take `sudo_user:` for another user)
        "#]],
    );
}

#[test]
fn yaml_inventory_like_ansible() {
    check(
        "inv.yml",
        Format::Yaml,
        r#"
all:
  vars:
    ntp: ntp.all
  hosts:
    mail.example.com:
  children:
    web:
      hosts:
        web[1:2]:
          http_port: 8080
          ansible_host: 10.0.0.1
      vars:
        ansible_user: deploy
        ntp: ntp.web
        limits: { cpu: 2, names: [a, b] }
    db:
      hosts:
        db1: { ansible_port: "2222", ansible_connection: docker }
"#,
        expect![[r#"
            mail.example.com @inv.yml:6 groups=all,ungrouped vars={"ntp":"ntp.all"}
            web1 @inv.yml:10 address=10.0.0.1 user=deploy groups=all,web vars={"http_port":8080,"limits":{"cpu":2,"names":["a","b"]},"ntp":"ntp.web"}
            web2 @inv.yml:10 address=10.0.0.1 user=deploy groups=all,web vars={"http_port":8080,"limits":{"cpu":2,"names":["a","b"]},"ntp":"ntp.web"}
            db1 @inv.yml:19 port=2222 connection=docker groups=all,db vars={"ntp":"ntp.all"}
            [all] mail.example.com web1 web2 db1
            [db] db1
            [ungrouped] mail.example.com
            [web] web1 web2
        "#]],
    );
}

#[test]
fn yaml_errors_name_file_and_line() {
    check(
        "i.yml",
        Format::Yaml,
        "all:\n  hostz:\n    a:\n",
        expect![[r#"
        error: i.yml:2: unknown key `hostz` in group `all` (expected hosts, vars or children)
    "#]],
    );
    check(
        "i.yml",
        Format::Yaml,
        "all:\n  hosts: [a, b]\n",
        expect![[r#"
        error: i.yml:2: `hosts` of group `all` must be a mapping
    "#]],
    );
    check(
        "i.yml",
        Format::Yaml,
        "all:\n  hosts:\n    a: 3\n",
        expect![[r#"
        error: i.yml:3: the variables of host `a` must be a mapping
    "#]],
    );
    check(
        "i.yml",
        Format::Yaml,
        "all:\n  hosts:\n   a: {\n",
        expect![[r#"
            error: i.yml:4: while parsing a node, did not find expected node content
        "#]],
    );
}

#[test]
fn json_list_of_hosts() {
    check(
        "hosts.json",
        Format::Json,
        r#"[
  {"name": "web-1", "address": "10.0.0.11", "port": 22, "user": "deploy",
   "identity": "/keys/deploy", "groups": ["web", "prod"], "data": {"workers": 4}},
  {"name": "box", "connection": "docker", "groups": ["lab"]},
  {"name": "here", "connection": "local"}
]"#,
        expect![[r#"
            web-1 @hosts.json:2 address=10.0.0.11 port=22 user=deploy identity=/keys/deploy groups=all,prod,web vars={"workers":4}
            box @hosts.json:4 connection=docker groups=all,lab vars={}
            here @hosts.json:5 connection=local groups=all,ungrouped vars={}
            [all] web-1 box here
            [lab] box
            [prod] web-1
            [ungrouped] here
            [web] web-1
        "#]],
    );
}

#[test]
fn json_errors_name_file_and_line() {
    check(
        "h.json",
        Format::Json,
        "[\n  {\"name\": \"a\",\n   \"adress\": \"x\"}\n]",
        expect![[r#"
        error: h.json:3: unknown field `adress` (expected name, address, port, user, identity, connection, groups, data)
    "#]],
    );
    check(
        "h.json",
        Format::Json,
        "[\n  {\"name\": \"a\"},\n  {\"name\": \"a\"}\n]",
        expect![[r#"
        error: h.json:3: host `a` is listed twice
    "#]],
    );
    check(
        "h.json",
        Format::Json,
        "[\n  {\"user\": \"a\"}\n]",
        expect![[r#"
        error: h.json:2: a host has no `name`
    "#]],
    );
    check(
        "h.json",
        Format::Json,
        "[\n  {\"name\": \"a\",}\n]",
        expect![[r#"
            error: h.json:2: invalid JSON: trailing comma at line 2 column 16
        "#]],
    );
    check(
        "h.json",
        Format::Json,
        "{\"hosts\": []}",
        expect![[r#"
        error: h.json:1: a JSON inventory is a list of hosts
    "#]],
    );
}

#[test]
fn group_lookup_and_host_specs() {
    let inv = Inventory::parse(Path::new("h"), INI, Format::Ini).unwrap();
    let web: Vec<&str> = inv
        .group("web")
        .unwrap()
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(web, ["web01.example.com", "web02.example.com"]);
    assert_eq!(
        inv.group("nope").unwrap_err().to_string(),
        "h: no group `nope` in the inventory (groups: all, db, prod, ungrouped, web)"
    );
    let db = &inv.group("db").unwrap()[0];
    assert_eq!(
        db.spec(),
        infrac_vm::value::HostSpec::Ssh {
            address: "db.example.com".into(),
            user: Some("admin".into()),
            port: Some(2222),
            identity: Some("keys/id".into()),
            jump: None,
        }
    );
}

#[test]
fn jump_hosts_from_ssh_args() {
    let text = "a ansible_ssh_common_args='-J bastion'\n\
                b ansible_ssh_common_args='-o ProxyJump=j1,j2 -o ServerAliveInterval=5'\n\
                c ansible_ssh_extra_args=-Jgate\n\
                d ansible_ssh_common_args='-o Compression=yes'\n";
    let inv = Inventory::parse(Path::new("h"), text, Format::Ini).unwrap();
    let jumps: Vec<Option<String>> = inv
        .hosts
        .iter()
        .map(|h| match h.spec() {
            infrac_vm::value::HostSpec::Ssh { jump, .. } => jump,
            _ => None,
        })
        .collect();
    assert_eq!(
        jumps,
        [
            Some("bastion".to_string()),
            Some("j1,j2".to_string()),
            Some("gate".to_string()),
            None
        ]
    );
}

#[test]
fn load_reads_the_file_and_picks_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hosts.yaml");
    std::fs::write(&path, "web:\n  hosts:\n    w1:\n").unwrap();
    let inv = Inventory::load(&path).unwrap();
    assert_eq!(inv.groups["web"], ["w1"]);
    // Without an extension: a JSON list is JSON, `[group]` is INI.
    let path = dir.path().join("hosts");
    std::fs::write(
        &path,
        " [\n  {\"name\": \"j1\", \"groups\": [\"web\"]}\n]\n",
    )
    .unwrap();
    assert_eq!(Inventory::load(&path).unwrap().groups["web"], ["j1"]);
    std::fs::write(&path, "[web]\ni1\n").unwrap();
    assert_eq!(Inventory::load(&path).unwrap().groups["web"], ["i1"]);
    let missing = Inventory::load(&dir.path().join("nope.ini")).unwrap_err();
    assert_eq!(missing.line, 0);
    assert!(
        missing.to_string().contains("cannot read the inventory"),
        "{missing}"
    );
}

#[test]
fn json_indented_with_tabs() {
    let text = "[\n\t{\n\t\t\"name\": \"a\",\n\t\t\"port\": 2222\n\t}\n]\n";
    let inv = Inventory::parse(Path::new("t.json"), text, Format::Json).unwrap();
    assert_eq!(
        (
            inv.hosts[0].name.as_str(),
            inv.hosts[0].port,
            inv.hosts[0].origin.line
        ),
        ("a", Some(2222), 2)
    );
}

#[test]
fn ansible_become_takes_ansible_booleans() {
    check(
        "h.ini",
        Format::Ini,
        "a ansible_become=yes\nb ansible_become=True\nc ansible_become=1\nd ansible_become=no\ne ansible_become=0\nf\n",
        expect![[r#"
            a @h.ini:1 sudo=true groups=all,ungrouped vars={"ansible_become":"yes"}
            b @h.ini:2 sudo=true groups=all,ungrouped vars={"ansible_become":true}
            c @h.ini:3 sudo=true groups=all,ungrouped vars={"ansible_become":1}
            d @h.ini:4 groups=all,ungrouped vars={"ansible_become":"no"}
            e @h.ini:5 groups=all,ungrouped vars={"ansible_become":0}
            f @h.ini:6 groups=all,ungrouped vars={}
            [all] a b c d e f
            [ungrouped] a b c d e f
        "#]],
    );
}

#[test]
fn a_hosts_sudo_password_comes_from_ansible_become_password() {
    let text =
        "a ansible_become_password=pw-a\nb ansible_become_pass=pw-b\nc ansible_sudo_pass=pw-c\nd\n";
    let inv = Inventory::parse(Path::new("h.ini"), text, Format::Ini).unwrap();
    let passwords: Vec<Option<String>> = inv
        .hosts
        .iter()
        .map(|h| h.host_value().sudo_password.map(|p| p.0.to_string()))
        .collect();
    assert_eq!(
        passwords,
        [
            Some("pw-a".into()),
            Some("pw-b".into()),
            Some("pw-c".into()),
            None
        ]
    );
    // Never in a debug print.
    assert!(!format!("{:?}", inv.hosts[0]).contains("pw-a"));
}
