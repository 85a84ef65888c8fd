//! Every reader against this machine, through one real batch (`sh -c`).

use super::*;
use std::sync::Arc;

fn key(name: &str, args: &[&str]) -> FactKey {
    FactKey {
        name: name.into(),
        args: args.iter().map(|a| FactArg::Str(a.to_string())).collect(),
    }
}

fn read(keys: &[FactKey]) -> Vec<Result<Value, String>> {
    let read = FactRead::new(keys);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(read.script())
        .output();
    let Ok(out) = out else {
        panic!("cannot run sh")
    };
    read.results(
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    )
}

fn field(v: &Result<Value, String>, name: &str) -> Value {
    match v {
        Ok(Value::Record(r)) => r.get(name).cloned().unwrap_or(Value::None),
        other => panic!("not a record: {other:?}"),
    }
}

fn s(text: &str) -> Value {
    Value::Str(Arc::from(text))
}

#[test]
fn files_and_directories() {
    let dir = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(dir) = dir else { panic!("{dir:?}") };
    let root = dir.path().join("odd 'name'\n$x");
    let file = root.join("f.txt");
    let sub = root.join("sub");
    let link = root.join("l");
    let created = std::fs::create_dir(&root)
        .and_then(|_| std::fs::write(&file, "hello"))
        .and_then(|_| std::fs::create_dir(&sub))
        .and_then(|_| std::os::unix::fs::symlink("f.txt", &link));
    assert!(created.is_ok(), "{created:?}");
    let path = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let results = read(&[
        key("file", &[&path(&file)]),
        key("file", &[&path(&link)]),
        key("file", &[&path(&sub)]),
        key("file", &[&path(&root.join("missing"))]),
        key("dir", &[&path(&root)]),
        key("dir", &[&path(&file)]),
        key("dir", &[&path(&sub)]),
    ]);
    assert_eq!(
        field(&results[0], "sha256"),
        s("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    );
    assert_eq!(field(&results[0], "size"), Value::Int(5));
    assert_eq!(field(&results[1], "target"), s("f.txt"));
    assert_eq!(
        field(&results[2], "kind"),
        Value::Enum {
            ty: Arc::from("FileKind"),
            variant: Arc::from("dir")
        }
    );
    assert_eq!(results[3], Ok(Value::None));
    let Ok(Value::List(entries)) = &results[4] else {
        panic!("{:?}", results[4])
    };
    let names: Vec<Value> = entries
        .iter()
        .map(|e| field(&Ok(e.clone()), "name"))
        .collect();
    assert_eq!(names, vec![s("f.txt"), s("l"), s("sub")]);
    assert_eq!(results[5], Ok(Value::None));
    assert_eq!(results[6], Ok(Value::List(Arc::new(Vec::new()))));
}

#[test]
fn system_accounts_and_environment() {
    let results = read(&[
        key("os", &[]),
        key("hostname", &[]),
        key("arch", &[]),
        key("kernel", &[]),
        key("user", &["root"]),
        key("user", &["no-such-user-infrac"]),
        key("group", &["root"]),
        key("env", &["HOME"]),
        key("env", &["INFRAC_SURELY_UNSET"]),
        key("which", &["sh"]),
        key("which", &["no-such-binary-infrac"]),
        key("command", &["echo out; echo err >&2; exit 4"]),
        key("packages", &[]),
    ]);
    assert!(matches!(field(&results[0], "id"), Value::Str(id) if !id.is_empty()));
    for r in &results[1..4] {
        assert!(matches!(r, Ok(Value::Str(t)) if !t.is_empty()), "{r:?}");
    }
    assert_eq!(field(&results[4], "uid"), Value::Int(0));
    assert_eq!(field(&results[4], "home"), s("/root"));
    assert_eq!(results[5], Ok(Value::None));
    assert_eq!(field(&results[6], "gid"), Value::Int(0));
    assert!(
        matches!(&results[7], Ok(Value::Str(h)) if h.starts_with('/')),
        "{:?}",
        results[7]
    );
    assert_eq!(results[8], Ok(Value::None));
    assert!(
        matches!(&results[9], Ok(Value::Str(p)) if p.ends_with("/sh")),
        "{:?}",
        results[9]
    );
    assert_eq!(results[10], Ok(Value::None));
    assert_eq!(field(&results[11], "code"), Value::Int(4));
    assert_eq!(field(&results[11], "stdout"), s("out\n"));
    assert_eq!(field(&results[11], "stderr"), s("err\n"));
    // Debian hosts only: the package database lists sh's package.
    if std::path::Path::new("/usr/bin/dpkg-query").exists() {
        assert!(
            matches!(&results[12], Ok(Value::Map(m)) if m.contains_key("dash")),
            "{:?}",
            results[12]
        );
    }
}

#[test]
fn missing_tools_are_clear_errors() {
    let results = read(&[
        key("service", &["ssh"]),
        key("crontab", &["root"]),
        key("hostname", &[]),
    ]);
    if !std::path::Path::new("/run/systemd/system").exists() {
        assert_eq!(
            results[0],
            Err("facts.service(\"ssh\"): the command exited with status 3: systemd is not running on this host: facts.service needs systemd".into())
        );
    }
    if std::process::Command::new("sh")
        .arg("-c")
        .arg("command -v crontab")
        .output()
        .is_ok_and(|o| !o.status.success())
    {
        assert_eq!(
            results[1],
            Err("facts.crontab(\"root\"): the command exited with status 127: crontab not found on this host".into())
        );
    }
    assert!(results[2].is_ok());
}

#[test]
fn machine_and_network() {
    let results = read(&[
        key("cpus", &[]),
        key("memory", &[]),
        key("timezone", &[]),
        key("locales", &[]),
        key("mounts", &[]),
        key("network", &[]),
    ]);
    assert!(
        matches!(results[0], Ok(Value::Int(n)) if n >= 1),
        "{:?}",
        results[0]
    );
    let (Value::Int(total), Value::Int(available)) =
        (field(&results[1], "total"), field(&results[1], "available"))
    else {
        panic!("{:?}", results[1])
    };
    assert!(
        total > 0 && available > 0 && available <= total,
        "{total} {available}"
    );
    assert!(
        matches!(&results[2], Ok(Value::Str(z)) if !z.is_empty()),
        "{:?}",
        results[2]
    );
    // `locale -a` always lists the C locale.
    assert!(
        matches!(&results[3], Ok(Value::List(l)) if l.contains(&s("C"))),
        "{:?}",
        results[3]
    );
    let Ok(Value::List(mounts)) = &results[4] else {
        panic!("{:?}", results[4])
    };
    assert!(
        mounts
            .iter()
            .any(|m| field(&Ok(m.clone()), "path") == s("/")),
        "{mounts:?}"
    );
    let Ok(Value::Record(net)) = &results[5] else {
        panic!("{:?}", results[5])
    };
    let Some(Value::List(ifaces)) = net.get("interfaces") else {
        panic!("{net:?}")
    };
    let lo = ifaces
        .iter()
        .find(|i| field(&Ok((*i).clone()), "name") == s("lo"));
    assert_eq!(
        lo.map(|i| field(&Ok(i.clone()), "ipv4")),
        Some(Value::List(Arc::new(vec![s("127.0.0.1/8")])))
    );
}

#[test]
fn git_checkouts() {
    let dir = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(dir) = dir else { panic!("{dir:?}") };
    let repo = dir.path().join("odd 'repo'");
    let path = repo.to_string_lossy().into_owned();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output();
        assert!(
            out.as_ref().is_ok_and(|o| o.status.success()),
            "git {args:?}: {out:?}"
        );
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(read(&[key("git", &[&path])]), vec![Ok(Value::None)]);
    let made = std::fs::create_dir(&repo);
    assert!(made.is_ok(), "{made:?}");
    git(&["init", "-q", "-b", "trunk"]);
    let empty = read(&[key("git", &[&path])]);
    assert_eq!(field(&empty[0], "commit"), Value::None);
    assert_eq!(field(&empty[0], "branch"), s("trunk"));
    let written = std::fs::write(repo.join("f"), "1");
    assert!(written.is_ok());
    git(&["add", "f"]);
    git(&["commit", "-q", "-m", "one"]);
    let head = git(&["rev-parse", "HEAD"]);
    let clean = read(&[key("git", &[&path])]);
    assert_eq!(field(&clean[0], "commit"), s(&head));
    assert_eq!(field(&clean[0], "dirty"), Value::Bool(false));
    // Untracked files do not count; a changed tracked file does.
    let written = std::fs::write(repo.join("new"), "x").and(std::fs::write(repo.join("f"), "2"));
    assert!(written.is_ok());
    git(&["checkout", "-q", "--detach"]);
    let dirty = read(&[key("git", &[&path])]);
    assert_eq!(field(&dirty[0], "dirty"), Value::Bool(true));
    assert_eq!(field(&dirty[0], "branch"), Value::None);
}
