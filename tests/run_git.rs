//! `git.repo` and `git.config` on this machine (`local()`), against
//! repositories the test makes and serves by `file://` (and by `git
//! daemon` on 127.0.0.1): clones, updates, tags, commits, local changes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] fns: a panic is a failed test"
)]

mod run_common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use run_common::{Program, has_command, op_events, summary_of};

/// `git` in `dir` with an identity for commits; its trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository with a branch `main`: commit `one` tagged `v1` (an
/// annotated tag), then commit `two`; and a branch `dev` off `one`.
struct Upstream {
    dir: PathBuf,
    one: String,
    two: String,
}

impl Upstream {
    fn new(parent: &Path) -> Upstream {
        let dir = parent.join("upstream");
        std::fs::create_dir(&dir).unwrap();
        git(&dir, &["init", "-q", "-b", "main"]);
        let one = Upstream::commit_in(&dir, "1");
        git(&dir, &["tag", "-a", "v1", "-m", "version 1"]);
        git(&dir, &["branch", "dev"]);
        let two = Upstream::commit_in(&dir, "2");
        Upstream { dir, one, two }
    }

    fn commit_in(dir: &Path, text: &str) -> String {
        std::fs::write(dir.join("app.txt"), text).unwrap();
        git(dir, &["add", "app.txt"]);
        git(dir, &["commit", "-q", "-m", text]);
        git(dir, &["rev-parse", "HEAD"])
    }

    fn commit(&self, text: &str) -> String {
        Upstream::commit_in(&self.dir, text)
    }

    fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }
}

/// A program whose `repo` param is `url`; `git.repo` with `args` into
/// `ROOT/co`.
fn program(args: &str) -> Program {
    Program::new(&format!(
        "use std::git\nparam root: str\nparam url: str\ngroup here = [local()]\n\
         stage deploy on here {{\n  git.repo(url, \"{{root}}/co\"{args})\n}}\n"
    ))
}

fn run(p: &Program, url: &str) -> Output {
    p.run_json(&["--set", &format!("url={url}")])
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "the run failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The changing commands of the run's ops (`git -C ... ` and all).
fn commands(out: &Output) -> Vec<String> {
    op_events(out)
        .iter()
        .flat_map(|op| op["commands"].as_array().cloned().unwrap_or_default())
        .map(|c| c.as_str().unwrap_or_default().to_string())
        .collect()
}

fn changed(out: &Output) -> i64 {
    summary_of(out)["changed"].as_i64().unwrap_or(-1)
}

fn checkout(p: &Program) -> PathBuf {
    p.root().join("co")
}

#[test]
fn branch_clones_then_follows_the_remote_tip() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let p = program(", branch: \"main\"");
    let up = Upstream::new(p.root().parent().unwrap());
    let first = run(&p, &up.url());
    ok(&first);
    assert_eq!(changed(&first), 1);
    let co = checkout(&p);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), up.two);
    assert_eq!(git(&co, &["symbolic-ref", "--short", "HEAD"]), "main");

    // Nothing moved: ls-remote only, no changing command.
    let second = run(&p, &up.url());
    ok(&second);
    assert_eq!(changed(&second), 0);
    assert_eq!(commands(&second), Vec::<String>::new());

    // A new commit upstream: fetched and checked out on the branch.
    let three = up.commit("3");
    let third = run(&p, &up.url());
    ok(&third);
    assert_eq!(changed(&third), 1);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), three);
    assert_eq!(git(&co, &["symbolic-ref", "--short", "HEAD"]), "main");
    let cmds = commands(&third);
    assert!(
        cmds.iter().any(|c| c.contains(" fetch ")) && cmds.iter().any(|c| c.contains(" checkout ")),
        "{cmds:?}"
    );

    // Another branch of the same checkout.
    p.write("site.infra", &p.source().replace("\"main\"", "\"dev\""));
    let dev = run(&p, &up.url());
    ok(&dev);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), up.one);
    assert_eq!(git(&co, &["symbolic-ref", "--short", "HEAD"]), "dev");
    assert_eq!(changed(&run(&p, &up.url())), 0);
}

#[test]
fn default_branch_without_branch_tag_or_rev() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let p = program("");
    let up = Upstream::new(p.root().parent().unwrap());
    ok(&run(&p, &up.url()));
    assert_eq!(git(&checkout(&p), &["rev-parse", "HEAD"]), up.two);
    let again = run(&p, &up.url());
    ok(&again);
    assert_eq!(changed(&again), 0);
    let three = up.commit("3");
    let moved = run(&p, &up.url());
    ok(&moved);
    assert_eq!(changed(&moved), 1);
    assert_eq!(git(&checkout(&p), &["rev-parse", "HEAD"]), three);
}

/// A full hash already checked out, and a tag fetched before, need no
/// remote: the second run succeeds with the remote gone.
#[test]
fn rev_and_tag_are_idempotent_without_the_remote() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let parent = tempfile::tempdir().unwrap();
    let up = Upstream::new(parent.path());
    for (args, want) in [
        (format!(", rev: \"{}\"", up.one), &up.one),
        (format!(", rev: \"{}\"", &up.one[..10]), &up.one),
        (", tag: \"v1\"".to_string(), &up.one),
    ] {
        let p = program(&args);
        let first = run(&p, &up.url());
        ok(&first);
        assert_eq!(changed(&first), 1, "{args}");
        let co = checkout(&p);
        assert_eq!(&git(&co, &["rev-parse", "HEAD"]), want, "{args}");
        // Detached.
        assert!(
            Command::new("git")
                .arg("-C")
                .arg(&co)
                .args(["symbolic-ref", "-q", "HEAD"])
                .status()
                .is_ok_and(|s| !s.success()),
            "{args}"
        );
        let gone = format!("file://{}/no-such-repo", parent.path().display());
        let second = run(&p, &gone);
        // The origin URL is updated (a change), nothing is fetched.
        ok(&second);
        let cmds = commands(&second);
        assert!(
            cmds.iter().all(|c| !c.contains(" fetch ")),
            "{args}: {cmds:?}"
        );
        let third = run(&p, &gone);
        ok(&third);
        assert_eq!(changed(&third), 0, "{args}");
    }
}

/// An existing checkout moves from a branch to a tag, then to a commit.
#[test]
fn an_existing_checkout_moves_to_a_tag_and_a_commit() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let mut p = program(", branch: \"main\"");
    let up = Upstream::new(p.root().parent().unwrap());
    ok(&run(&p, &up.url()));
    let three = up.commit("3");
    let source = p.source().replace("branch: \"main\"", "tag: \"v1\"");
    p.rewrite(&source);
    let tagged = run(&p, &up.url());
    ok(&tagged);
    assert_eq!(changed(&tagged), 1);
    assert_eq!(git(&checkout(&p), &["rev-parse", "HEAD"]), up.one);
    let source = p
        .source()
        .replace("tag: \"v1\"", &format!("rev: \"{three}\""));
    p.rewrite(&source);
    let commit = run(&p, &up.url());
    ok(&commit);
    assert_eq!(git(&checkout(&p), &["rev-parse", "HEAD"]), three);
    assert_eq!(changed(&run(&p, &up.url())), 0);
}

#[test]
fn local_changes_are_refused_unless_forced() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let mut p = program(", branch: \"main\"");
    let up = Upstream::new(p.root().parent().unwrap());
    ok(&run(&p, &up.url()));
    let co = checkout(&p);
    std::fs::write(co.join("app.txt"), "mine").unwrap();
    std::fs::write(co.join("untracked.txt"), "kept").unwrap();
    // Up to date: local changes are left alone, nothing fails.
    let same = run(&p, &up.url());
    ok(&same);
    assert_eq!(changed(&same), 0);

    let three = up.commit("3");
    let refused = run(&p, &up.url());
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stdout);
    let message = format!(
        "git.repo: {}/co has changes to tracked files: refused (force: true discards them)",
        p.root().display()
    );
    assert!(text.contains(&message), "{text}");
    assert_eq!(std::fs::read_to_string(co.join("app.txt")).unwrap(), "mine");
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), up.two);

    let source = p
        .source()
        .replace("branch: \"main\"", "branch: \"main\", force: true");
    p.rewrite(&source);
    let forced = run(&p, &up.url());
    ok(&forced);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), three);
    assert_eq!(std::fs::read_to_string(co.join("app.txt")).unwrap(), "3");
    assert_eq!(
        std::fs::read_to_string(co.join("untracked.txt")).unwrap(),
        "kept"
    );
}

#[test]
fn bad_arguments_and_missing_branches_fail_clearly() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    for (args, message) in [
        (
            ", branch: \"main\", tag: \"v1\"",
            "git.repo: give at most one of branch, tag and rev",
        ),
        (", branch: \"nope\"", "has no branch nope"),
    ] {
        let p = program(args);
        let up = Upstream::new(p.root().parent().unwrap());
        // An existing checkout (a missing one fails in git clone).
        let co = checkout(&p).display().to_string();
        git(p.root(), &["clone", "-q", &up.url(), &co]);
        let out = run(&p, &up.url());
        assert!(!out.status.success(), "{args}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(message), "{args}: {text}");
    }
}

#[test]
fn config_sets_a_checkout_value_once() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let p = Program::new(
        "use std::git\nparam root: str\ngroup here = [local()]\n\
         stage deploy on here {\n  \
         git.config(\"user.email\", \"ops@example.com\", scope: git.GitScope.local, repo: \"{root}/co\")\n\
         }\n",
    );
    let co = checkout(&p);
    std::fs::create_dir(&co).unwrap();
    git(&co, &["init", "-q"]);
    let first = p.run_json(&[]);
    ok(&first);
    assert_eq!(changed(&first), 1);
    assert_eq!(
        git(&co, &["config", "--local", "user.email"]),
        "ops@example.com"
    );
    let second = p.run_json(&[]);
    ok(&second);
    assert_eq!(changed(&second), 0);

    let bad = Program::new(
        "use std::git\nparam root: str\ngroup here = [local()]\n\
         stage deploy on here { git.config(\"a.b\", \"c\", scope: git.GitScope.local) }\n",
    );
    let out = bad.run_json(&[]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("git.config: repo is needed with scope local, and only then"),
        "{text}"
    );
}

/// The same over `git daemon` on 127.0.0.1 (`git://`), when it is there.
#[test]
fn branch_over_git_daemon() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let p = program(", branch: \"main\"");
    let parent = p.root().parent().unwrap().to_path_buf();
    let up = Upstream::new(&parent);
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let daemon = Command::new("git")
        .args([
            "daemon",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            "--export-all",
            "--reuseaddr",
            &format!("--base-path={}", parent.display()),
        ])
        .arg(&parent)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut daemon) = daemon else {
        return eprintln!("skipped: no git daemon");
    };
    let ready = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    if !ready {
        let _ = daemon.kill();
        return eprintln!("skipped: git daemon did not start");
    }
    let url = format!("git://127.0.0.1:{port}/upstream");
    let first = run(&p, &url);
    let second = run(&p, &url);
    let three = up.commit("3");
    let third = run(&p, &url);
    let _ = daemon.kill();
    let _ = daemon.wait();
    ok(&first);
    assert_eq!(changed(&first), 1);
    ok(&second);
    assert_eq!(changed(&second), 0);
    ok(&third);
    assert_eq!(git(&checkout(&p), &["rev-parse", "HEAD"]), three);
}

/// A user of this machine, removed when dropped.
struct TempUser(String);

impl Drop for TempUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.0).status();
    }
}

/// Something else at `dest` is not cloned over; an empty directory is
/// filled.
#[test]
fn dest_must_be_a_checkout_or_empty() {
    if !has_command("git") {
        return eprintln!("skipped: no git");
    }
    let p = program("");
    let up = Upstream::new(p.root().parent().unwrap());
    let co = checkout(&p);
    std::fs::create_dir(&co).unwrap();
    std::fs::write(co.join("precious"), "x").unwrap();
    let out = run(&p, &up.url());
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let message = format!(
        "git.repo: {} exists and is not a git checkout (nor an empty directory)",
        co.display()
    );
    assert!(text.contains(&message), "{text}");
    assert_eq!(std::fs::read_to_string(co.join("precious")).unwrap(), "x");
    std::fs::remove_file(co.join("precious")).unwrap();
    let filled = run(&p, &up.url());
    ok(&filled);
    assert_eq!(git(&co, &["rev-parse", "HEAD"]), up.two);
}

/// `sudo_user:`: the clone and its fetches are the user's.
#[test]
fn repo_as_another_user() {
    let root = Command::new("id").arg("-u").output();
    if !root.is_ok_and(|o| o.stdout.starts_with(b"0\n"))
        || !has_command("git")
        || !has_command("sudo")
        || !has_command("useradd")
    {
        return eprintln!("skipped: needs root, git, sudo and useradd");
    }
    let p = Program::new(
        "use std::git\nparam root: str\nparam url: str\nparam user: str\ngroup here = [local()]\n\
         stage deploy on here {\n  \
         git.repo(url, \"{root}/home/app\", branch: \"main\", sudo_user: user)\n}\n",
    );
    let parent = p.root().parent().unwrap();
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(p.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let up = Upstream::new(parent);
    let name = format!("infrac-git-{}", std::process::id());
    let home = p.root().join("home");
    let made = Command::new("useradd")
        .args(["--no-create-home", "--home-dir"])
        .arg(&home)
        .arg(&name)
        .status();
    assert!(made.is_ok_and(|s| s.success()), "useradd");
    let _user = TempUser(name.clone());
    std::fs::create_dir(&home).unwrap();
    // The upstream too: git refuses to serve a repository of another user
    // ("dubious ownership") to a local clone.
    let chown = Command::new("chown")
        .arg("-R")
        .arg(&name)
        .arg(&home)
        .arg(&up.dir)
        .status();
    assert!(chown.is_ok_and(|s| s.success()));
    let run_as = || {
        p.run_json(&[
            "--set",
            &format!("url={}", up.url()),
            "--set",
            &format!("user={name}"),
        ])
    };
    let first = run_as();
    ok(&first);
    assert_eq!(changed(&first), 1);
    let co = home.join("app");
    let uid = Command::new("id").args(["-u", &name]).output().unwrap();
    let uid = String::from_utf8_lossy(&uid.stdout).trim().to_string();
    for path in [co.join(".git/HEAD"), co.join("app.txt")] {
        assert_eq!(
            std::fs::metadata(&path).unwrap().uid().to_string(),
            uid,
            "{path:?}"
        );
    }
    let second = run_as();
    ok(&second);
    assert_eq!(changed(&second), 0);
}
