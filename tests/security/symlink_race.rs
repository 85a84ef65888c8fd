//! F01/F02: a user who owns the folder root deploys into races every
//! temporary file it sees there: it tries to read it, then renames a link
//! to root's decoy over it; another
//! swaps a link in place of a file right after root read its attributes. Root's uploads, `files.line` rewrites and
//! mode/owner changes must never reach the decoy, and the content must
//! never be readable by that user while it is written.

use crate::run_common::Program;
use crate::support::{Arena, Attacker, is_root};

/// Watches the folder (ARGV[0]); for every entry that is not the link it
/// makes: reads it if it can (and records that in ARGV[2]), then swaps a
/// link to the decoy (ARGV[1]) in its place.
const RACER: &str = r#"
my ($dir, $decoy, $leak) = @ARGV;
chdir $dir or die;
while (1) {
  opendir(my $dh, ".") or die;
  for my $e (readdir $dh) {
    next unless $e =~ /infrac/;
    if (open(my $fh, "<", $e)) {
      my $got = do { local $/; <$fh> };
      if (defined $got && $got =~ /CONTENT/) { open(my $l, ">>", $leak); print $l "$e\n"; }
    }
    symlink($decoy, ".evil") and rename(".evil", $e);
  }
  closedir $dh;
}
"#;

/// Waits for a process whose command line reads `app.log`'s attributes
/// (the op's fact read), then, once it is gone, puts a link to the decoy
/// (ARGV[1]) at `app.log` in the folder (ARGV[0]): the op's `chmod` and
/// `chown` come next.
const SWAPPER: &str = r#"
my ($dir, $decoy) = @ARGV;
chdir $dir or die;
while (1) {
  my $reader;
  for my $c (glob "/proc/[0-9]*/cmdline") {
    open(my $fh, "<", $c) or next;
    my $line = do { local $/; <$fh> } // "";
    if ($line =~ /stat/ && $line =~ /app\.log/) { ($reader) = $c =~ m{/proc/(\d+)/}; last; }
  }
  next unless $reader;
  1 while -e "/proc/$reader";
  symlink($decoy, ".swap") and rename(".swap", "app.log");
}
"#;

/// The ops attacked, one per run (a run stops at its first failure).
const OPS: [&str; 5] = [
    r#"files.file("{app}/config.yml", content: "CONTENT a config of the app\n", owner: "nobody", group: "nogroup", mode: 0o640)"#,
    r##"files.file("{app}/run.sh", content: "#!/bin/sh\n# CONTENT a secret\n", mode: 0o700)"##,
    r#"files.line("{app}/app.conf", "port = 9090", replace: "^port =")"#,
    r#"files.file("{app}/app.log", owner: "nobody", mode: 0o640)"#,
    r#"files.directory("{app}/data", mode: 0o750, recursive: true)"#,
];

fn program(op: &str) -> String {
    format!(
        "use std::files\n\nparam root: str\nparam app: str\n\ngroup here = [local()]\n\nstage s on here {{\n  {op}\n}}\n"
    )
}

#[test]
fn a_racing_user_never_gets_roots_writes_or_attributes() {
    if !is_root() {
        eprintln!("skipped: needs root (as on CI)");
        return;
    }
    let arena = Arena::new();
    let app = arena.app();
    let leak = arena.dir.path().join("leak");
    let app_arg = format!("app={}", app.display());
    let _racer = Attacker::start(RACER, &[&app, &arena.decoy(), &leak]);
    let _swapper = Attacker::start(SWAPPER, &[&app, &arena.decoy()]);
    let mut outcomes = Vec::new();
    for trial in 0..8 {
        for op in OPS {
            // Fresh state each time: the files exist as root's, and the
            // attacker's links from the last run are gone.
            let reset = format!(
                "cd {0} && rm -rf -- ./* ./.[!.]* && printf 'port = 1\\n' > app.conf && : > app.log && mkdir data && : > data/x",
                app.display()
            );
            let ok = std::process::Command::new("sh")
                .arg("-c")
                .arg(&reset)
                .status();
            assert!(ok.is_ok_and(|s| s.success()), "cannot reset the app folder");
            let out = Program::new(&program(op)).run(&["--set", &app_arg]);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let context = format!(
                "trial {trial}, {op} (exit {:?}): {stdout}",
                out.status.code()
            );
            arena.assert_decoy_intact(&context);
            // A run either converges or fails its host saying why.
            assert!(matches!(out.status.code(), Some(0 | 3)), "{context}");
            outcomes.push(out.status.code());
        }
    }
    let leaked = std::fs::read_to_string(&leak).unwrap_or_default();
    assert!(
        leaked.is_empty(),
        "the attacker read content while it was written: {leaked}"
    );
    eprintln!("exit codes: {outcomes:?}");
}

/// The review's findings: a link put in place of a directory on the way
/// (no race needed), a link inside a tree that a recursive change walks,
/// and another user's setuid file whose mode an upload would keep.
#[test]
fn links_on_the_way_and_inside_trees_and_foreign_setuid_bits_are_refused() {
    if !is_root() {
        eprintln!("skipped: needs root (as on CI)");
        return;
    }
    let arena = Arena::new();
    let app = arena.app();
    let app_arg = format!("app={}", app.display());
    let as_attacker = |script: &str| {
        let ok = std::process::Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "sh",
                "-c",
                script,
            ])
            .current_dir(&app)
            .status();
        assert!(ok.is_ok_and(|s| s.success()), "attacker: {script}");
    };
    // `.ssh` is a link to a root-only directory (as `/root/.ssh` would be).
    let rootssh = arena.dir.path().join("rootssh");
    std::fs::create_dir(&rootssh).unwrap_or_else(|e| panic!("{e}"));
    crate::support::set_mode(&rootssh, 0o700);
    std::fs::write(rootssh.join("known"), "root's\n").unwrap_or_else(|e| panic!("{e}"));
    as_attacker(&format!("ln -s {} .ssh", rootssh.display()));
    for op in [
        r#"files.file("{app}/.ssh/authorized_keys", content: "attacker key\n", mode: 0o600)"#,
        r#"files.line("{app}/.ssh/known", "attacker line")"#,
        r#"files.file("{app}/.ssh/known", owner: "nobody", mode: 0o644)"#,
    ] {
        let out = Program::new(&program(op)).run(&["--set", &app_arg]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{op}: {stdout}");
        assert!(
            stdout.contains("other users can write to: refused"),
            "{op}: {stdout}"
        );
    }
    assert!(!rootssh.join("authorized_keys").exists());
    assert_eq!(
        std::fs::read_to_string(rootssh.join("known")).unwrap_or_default(),
        "root's\n"
    );

    // A link of root's (in a root-only directory) pointing into the
    // attacker's folder, where the attacker put a link to root's.
    let www = arena.dir.path().join("www");
    std::os::unix::fs::symlink(&app, &www).unwrap_or_else(|e| panic!("{e}"));
    let op = r#"files.file("{app}/../www/.ssh/authorized_keys", content: "attacker key\n")"#;
    let out = Program::new(&program(op)).run(&["--set", &app_arg]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "through a root-owned link: {stdout}"
    );
    assert!(
        stdout.contains("other users can write to: refused"),
        "{stdout}"
    );
    assert!(!rootssh.join("authorized_keys").exists());

    // A link inside a tree that `recursive: true` walks.
    as_attacker(&format!(
        "mkdir -p tree/sub && ln -s {} tree/sub/evil",
        arena.decoy().display()
    ));
    let op = r#"files.directory("{app}/tree", owner: "root", group: "nogroup", mode: 0o750, recursive: true)"#;
    let out = Program::new(&program(op)).run(&["--set", &app_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    arena.assert_decoy_intact("recursive owner/group/mode change");

    // The attacker's own setuid file, replaced by root's content for root.
    as_attacker("printf 'mine' > tool && chmod 4755 tool");
    let op =
        r##"files.file("{app}/tool", content: "#!/bin/sh\necho root's tool\n", owner: "root")"##;
    let out = Program::new(&program(op)).run(&["--set", &app_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(app.join("tool")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (meta.uid(), meta.mode() & 0o7777),
        (0, 0o755),
        "setuid kept for root"
    );
}
