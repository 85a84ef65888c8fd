//! The shell text every connector sends: one `sh -c` command line built from
//! the script, its environment, sudo and a timeout, plus the bytes for its
//! stdin. All connectors share it, so a script behaves the same on the local
//! machine, over SSH and in a container.

use std::time::Duration;

use crate::ExecOptions;

/// Exit status of coreutils `timeout` when the command ran out of time.
pub const TIMEOUT_STATUS: i32 = 124;

/// A command line for `sh -c` and what to write on its stdin.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub command: String,
    pub stdin: Vec<u8>,
}

pub use infrac_shell::quote;

/// Why a request cannot be turned into a command line.
#[derive(Debug, Clone, PartialEq)]
pub enum InvalidRequest {
    EnvName(String),
    SudoUser(String),
    /// A command line cannot hold a NUL byte (a value read from a host's
    /// binary output, say).
    NulByte,
}

impl std::fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvalidRequest::EnvName(name) => {
                write!(f, "invalid environment variable name `{name}`")
            }
            InvalidRequest::SudoUser(user) => write!(f, "invalid sudo user `{user}`"),
            InvalidRequest::NulByte => {
                f.write_str("the command holds a NUL byte, which no command line can carry")
            }
        }
    }
}

/// Builds the command line for `script` with the options of one command.
pub fn invocation(script: &str, opts: &ExecOptions<'_>) -> Result<Invocation, InvalidRequest> {
    let mut command = with_env(script, opts.env)?;
    if command.contains('\0') || opts.secrets.iter().any(|s| s.contains('\0')) {
        return Err(InvalidRequest::NulByte);
    }
    command.insert_str(0, &secrets_prelude(opts.secrets.len(), opts.export_secrets));
    let mut stdin = Vec::new();
    if let Some(user) = opts.sudo {
        let user = user.unwrap_or("root");
        if !is_user_name(user) {
            return Err(InvalidRequest::SudoUser(user.to_owned()));
        }
        command = match opts.sudo_password {
            None => sudo(&command, user, login_name(opts)),
            Some(password) => {
                // The wrapper reads this first line; the rest is the command's.
                stdin.extend_from_slice(password.as_bytes());
                stdin.push(b'\n');
                sudo_with_password(&command, user, login_name(opts))
            }
        };
    }
    if let Some(limit) = opts.timeout {
        command = with_timeout(&command, limit);
    }
    stdin.extend_from_slice(&secret_lines(opts.secrets));
    stdin.extend_from_slice(opts.stdin.unwrap_or_default());
    Ok(Invocation { command, stdin })
}

/// The first lines of a script that holds `n` secrets: each read from a
/// line of stdin ([`secret_lines`]) into the variable `infrac_sN`,
/// exported with `export` (a nested shell needs them; otherwise they stay
/// out of every child's environment). It runs in the innermost shell
/// (after sudo), which is where the script's references are expanded.
pub fn secrets_prelude(n: usize, export: bool) -> String {
    let export = if export { "export " } else { "" };
    let mut text = String::new();
    for i in 0..n {
        // `printf %b` decodes the octal escapes; the `x` keeps a trailing
        // newline from `$(...)`.
        text.push_str(&format!(
            "IFS= read -r infrac_e || exit 1\n\
             infrac_s{i}=$(printf '%bx' \"$infrac_e\")\n\
             {export}infrac_s{i}=\"${{infrac_s{i}%x}}\"\n"
        ));
    }
    if n > 0 {
        text.push_str("unset infrac_e\n");
    }
    text
}

/// `secrets` as lines for [`secrets_prelude`]: every byte other than an
/// ASCII letter or digit as an octal escape (`\0ooo`), so that a line
/// holds any value, newlines included.
pub fn secret_lines(secrets: &[std::sync::Arc<str>]) -> Vec<u8> {
    let mut out = Vec::new();
    for secret in secrets {
        for b in secret.bytes() {
            if b.is_ascii_alphanumeric() {
                out.push(b);
            } else {
                out.extend_from_slice(format!("\\0{b:03o}").as_bytes());
            }
        }
        out.push(b'\n');
    }
    out
}

fn with_env(script: &str, env: &[(String, String)]) -> Result<String, InvalidRequest> {
    let mut text = String::new();
    for (name, value) in env {
        if !is_env_name(name) {
            return Err(InvalidRequest::EnvName(name.clone()));
        }
        text.push_str(&format!("export {name}={}\n", quote(value)));
    }
    text.push_str(script);
    Ok(text)
}

fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_user_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Runs `command` as `user` with `sudo -n`; directly when already that user
/// (so sudo to root as root needs no sudo at all).
/// How the sudo wrappers learn the login user's name: from the shell
/// variable the calling script set ([`ExecOptions::login_name_set`]), else
/// by running `id`.
fn login_name(opts: &ExecOptions<'_>) -> &'static str {
    if opts.login_name_set {
        "$infrac_login"
    } else {
        "$(id -un)"
    }
}

fn sudo(command: &str, user: &str, login: &str) -> String {
    format!(
        "s={}\n\
         if [ \"{login}\" = {user} ]; then exec sh -c \"$s\"; fi\n\
         exec sudo -n -H -u {user} -- sh -c \"$s\"",
        quote(command)
    )
}

/// Like [`sudo`], with the password as the first line of stdin. The wrapper
/// reads that line itself and hands it to sudo through a private askpass
/// helper, so it is never in argv and never reaches the command's stdin —
/// not even when the sudoers rule needs no password (`sudo -S` would leave
/// it there in that case). The helper removes itself when it runs: sudo
/// gets one try, and a wrong password counts once against the account
/// (sudo would otherwise ask three times).
fn sudo_with_password(command: &str, user: &str, login: &str) -> String {
    format!(
        "s={}\n\
         IFS= read -r INFRAC_SUDO_PASSWORD || exit 1\n\
         if [ \"{login}\" = {user} ]; then unset INFRAC_SUDO_PASSWORD; exec sh -c \"$s\"; fi\n\
         export INFRAC_SUDO_PASSWORD\n\
         a=$(mktemp) || exit 1\n\
         printf '%s\\n' '#!/bin/sh' 'rm -f \"$0\"' 'printf \"%s\\n\" \"$INFRAC_SUDO_PASSWORD\"' > \"$a\" && chmod 700 \"$a\" || {{ rm -f \"$a\"; exit 1; }}\n\
         SUDO_ASKPASS=$a sudo -A -k -H -p '' -u {user} -- sh -c \"$s\"\n\
         r=$?\n\
         rm -f \"$a\"\n\
         exit $r",
        quote(command)
    )
}

/// Bounds `command` with `timeout` (coreutils' or busybox's) on the host
/// itself, so the whole process group dies there even when only a channel
/// connects us. On a host without `timeout` the command runs unbounded
/// there, and the connector's own limit stops waiting for it.
pub fn with_timeout(command: &str, limit: Duration) -> String {
    format!(
        "infrac_t=\ncommand -v timeout >/dev/null 2>&1 && infrac_t=\"timeout -k 2 {:.3}\"\n\
         exec $infrac_t sh -c {}",
        limit.as_secs_f64(),
        quote(command)
    )
}

/// Shell lines that enter the directory of the entry `$infrac_p`
/// physically (`cd -P`) and leave its base name in `$infrac_b`: what
/// follows acts on `./$infrac_b`, relative to a directory that no longer
/// moves, and never through a link in a directory another user can write
/// to (`~/.ssh` replaced by a link to `/root/.ssh`). When the physical
/// path differs from the one written, the path is walked again with each
/// link read and its target walked in turn (at most 40 links): every link
/// on the way must be in a directory of root's (or of the user running)
/// that no other user can write (`/var/run`, `/bin` on a merged `/usr`),
/// else the command refuses. Builtins only on that
/// common path. The standard library's `files.in_dir` holds the same
/// lines (a test compares them).
pub const ENTER_DIR: &str = r#"case $infrac_p in */*) infrac_d=${infrac_p%/*}; infrac_b=${infrac_p##*/} ;; *) infrac_d=.; infrac_b=$infrac_p ;; esac
[ -n "$infrac_d" ] || infrac_d=/
case $infrac_d in /*) infrac_w=$infrac_d ;; *) cd -P -- . || exit 1; infrac_w=$PWD/$infrac_d ;; esac
cd -P -- "$infrac_d" || exit 1
if [ "$PWD" != "$infrac_w" ]; then
  infrac_u=$(id -u) infrac_c= infrac_r=$infrac_w infrac_h=0
  while [ -n "$infrac_r" ]; do
    infrac_x=${infrac_r%%/*}
    case $infrac_r in */*) infrac_r=${infrac_r#*/} ;; *) infrac_r= ;; esac
    case $infrac_x in ''|.) continue ;; ..) infrac_c=${infrac_c%/*}; continue ;; esac
    infrac_n=$infrac_c/$infrac_x
    if [ -L "$infrac_n" ]; then
      set -- $(stat -c '%u %a' -- "${infrac_c:-/}")
      if { [ "$1" != 0 ] && [ "$1" != "$infrac_u" ]; } || [ $((0$2 & 022)) -ne 0 ]; then echo "$infrac_n is a symbolic link in a directory other users can write to: refused" >&2; exit 1; fi
      infrac_h=$((infrac_h + 1)); [ "$infrac_h" -le 40 ] || { echo "$infrac_w: too many links" >&2; exit 1; }
      infrac_l=$(readlink -- "$infrac_n" && echo x) || exit 1; infrac_l=${infrac_l%?x}
      case $infrac_l in /*) infrac_c= ;; esac
      infrac_r=$infrac_l/$infrac_r
      continue
    fi
    infrac_c=$infrac_n
  done
  if [ "${infrac_c:-/}" != "$PWD" ]; then echo "$infrac_w changed while it was resolved: refused" >&2; exit 1; fi
fi
"#;

/// An upload of `content` to `remote`: the script and its stdin (a header
/// line with the content's size and SHA-256, then the content).
///
/// The directory of `remote` may be writable by another user (a user's
/// `~/.ssh`, an app's data folder) who can rename entries in it at any
/// moment, so the script never acts on a path it did not just create:
///
/// - the temporary file gets a random name made on the host and is created
///   with `noclobber` (`O_EXCL`: never through a link an attacker placed),
///   with a mode no more open than the final one (the final mode itself
///   when it has no execute or special bits, else 0600);
/// - it is written, checked, chowned and chmodded through its open file
///   descriptor (`/proc/self/fd/3`), never by name;
/// - with `verify` (the content streams in on stdin), it is installed only
///   when its size and SHA-256 match the header: a stream cut short (a
///   dropped connection, a killed controller) leaves the old file intact
///   and removes the temporary one. A batch's payload arrived whole in a
///   tar already: its size alone is checked;
/// - before the rename, the name must still be the file written (else the
///   upload fails, saying another user can write to the directory), and
///   `mv -T` never moves it into a directory a link points to.
///
/// Without an explicit mode or owner, those of an existing regular file
/// are kept (the owner only when running as root); a new file gets the
/// default mode (0666 without the umask's bits). Typically five processes
/// run: `mktemp`, `cat`, `stat`, `sha256sum`, `mv`.
pub fn upload(
    remote: &str,
    content: &[u8],
    mode: Option<u32>,
    owner: Option<&str>,
    group: Option<&str>,
    verify: bool,
) -> Invocation {
    // An existing regular file's attributes, never a link's target's.
    let existing = "[ -f \"$r\" ] && [ ! -L \"$r\" ]";
    // Read and write bits only: the umask gives the final mode at
    // creation (a new file gets 0666 without the umask's bits); execute
    // and special bits need chmod, on a file private until then.
    let by_umask = mode.filter(|m| m & 0o7111 == 0);
    let umask = match (mode, by_umask) {
        (_, Some(m)) => format!("umask {:03o}\n", !m & 0o777),
        (Some(_), None) => "umask 077\n".to_string(),
        // An existing file's owners and mode (read without following a
        // link) are copied at the end: private until then.
        (None, _) => format!(
            "if {existing}; then set -- $(LC_ALL=C stat -c '%u:%g %a %F' -- \"$r\"); case \"${{3:-}} ${{4:-}} ${{5:-}}\" in 'regular file '|'regular empty file') k=$1; km=$2; umask 077 ;; esac; fi\n"
        ),
    };
    let digest = if verify {
        " && [ \"$(sha256sum <$f)\" = \"$sum  -\" ]"
    } else {
        ""
    };
    let mut command = format!(
        "set -eC\n\
         infrac_p={}\n\
         {ENTER_DIR}\
         r=./$infrac_b\n\
         d=$PWD\n\
         [ -e /proc/self/fd/0 ] || {{ echo 'uploads need /proc (the file is set up through its descriptor)' >&2; exit 1; }}\n\
         k=\n\
         {umask}\
         t=$(mktemp -u -- ./.infrac-upload.XXXXXXXXXX)\n\
         exec 3>\"$t\"\n\
         trap 'rm -f -- \"$t\"' EXIT\n\
         trap 'exit 143' HUP INT TERM PIPE\n\
         f=/proc/self/fd/3\n\
         IFS=' ' read -r size sum || {{ echo 'no content arrived' >&2; exit 1; }}\n\
         cat >&3\n\
         set -- $(stat -L -c '%s %d:%i %u:%g' -- $f \"$t\")\n\
         [ \"$1\" = \"$size\" ]{digest} || {{ echo \"the content arrived incomplete or altered ($1 of $size bytes)\" >&2; exit 1; }}\n\
         [ ! -L \"$t\" ] && [ \"$2\" = \"${{5:-}}\" ] || {{ echo \"$d/$t was replaced while infrac wrote it: another user can write to $d\" >&2; exit 1; }}\n",
        quote(remote),
    );
    let spec = match (owner, group) {
        (None, None) => None,
        (Some(o), None) => Some(quote(o)),
        (None, Some(g)) => Some(format!(":{}", quote(g))),
        (Some(o), Some(g)) => Some(format!("{}:{}", quote(o), quote(g))),
    };
    // Owner first: chown clears the setuid and setgid bits.
    match spec {
        Some(spec) => command.push_str(&format!("chown -- {spec} $f\n")),
        None => command.push_str(
            "if [ -n \"$k\" ] && [ \"$k\" != \"$3\" ] && [ \"$(id -u)\" -eq 0 ]; then chown -- \"$k\" $f; fi\n",
        ),
    }
    match mode {
        // Also when the umask gave it: a directory's default ACL overrides
        // the umask.
        Some(mode) => command.push_str(&format!("chmod {:o} $f\n", mode & 0o7777)),
        None => command.push_str("[ -z \"$k\" ] || chmod -- \"$km\" $f\n"),
    }
    command.push_str("mv -fT -- \"$t\" \"$r\"\ntrap - EXIT\n");
    let mut stdin = format!("{} {}\n", content.len(), sha256_hex(content)).into_bytes();
    stdin.extend_from_slice(content);
    Invocation { command, stdin }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 64 random bits as hex, from the OS-seeded keys of std's `RandomState`.
pub fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

/// Prints the content of `remote` on stdout.
pub fn download_script(remote: &str) -> String {
    format!("exec cat -- {}", quote(remote))
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    #[test]
    fn plain_script_is_unchanged() {
        let inv = invocation("echo hi", &ExecOptions::default()).unwrap();
        assert_eq!(
            inv,
            Invocation {
                command: "echo hi".into(),
                stdin: vec![]
            }
        );
    }

    #[test]
    fn env_is_exported_before_the_script() {
        let env = [
            ("A".to_owned(), "x y".to_owned()),
            ("_B2".to_owned(), "it's".to_owned()),
        ];
        let opts = ExecOptions {
            env: &env,
            ..Default::default()
        };
        expect![[r#"
            export A='x y'
            export _B2='it'\''s'
            echo "$A""#]]
        .assert_eq(&invocation("echo \"$A\"", &opts).unwrap().command);
    }

    #[test]
    fn rejects_bad_env_names_and_users() {
        let env = [("A-B".to_owned(), String::new())];
        let opts = ExecOptions {
            env: &env,
            ..Default::default()
        };
        assert_eq!(
            invocation("true", &opts),
            Err(InvalidRequest::EnvName("A-B".into()))
        );
        let opts = ExecOptions {
            sudo: Some(Some("x;y")),
            ..Default::default()
        };
        assert_eq!(
            invocation("true", &opts),
            Err(InvalidRequest::SudoUser("x;y".into()))
        );
    }

    #[test]
    fn a_nul_byte_is_refused() {
        let env = [("A".to_owned(), "x\0y".to_owned())];
        let opts = ExecOptions {
            env: &env,
            ..Default::default()
        };
        assert_eq!(invocation("echo", &opts), Err(InvalidRequest::NulByte));
        assert_eq!(
            invocation("echo a\0b", &ExecOptions::default()),
            Err(InvalidRequest::NulByte)
        );
    }

    #[test]
    fn sudo_password_goes_first_on_stdin() {
        let opts = ExecOptions {
            sudo: Some(None),
            sudo_password: Some("pw"),
            stdin: Some(b"data"),
            ..Default::default()
        };
        let inv = invocation("cat", &opts).unwrap();
        assert_eq!(inv.stdin, b"pw\ndata");
        assert!(!inv.command.contains("pw"));
    }

    #[test]
    fn timeout_wraps_sudo() {
        let opts = ExecOptions {
            sudo: Some(Some("deploy")),
            timeout: Some(Duration::from_millis(1500)),
            ..Default::default()
        };
        expect![[r#"
            infrac_t=
            command -v timeout >/dev/null 2>&1 && infrac_t="timeout -k 2 1.500"
            exec $infrac_t sh -c 's=true
            if [ "$(id -un)" = deploy ]; then exec sh -c "$s"; fi
            exec sudo -n -H -u deploy -- sh -c "$s"'"#]]
        .assert_eq(&invocation("true", &opts).unwrap().command);
    }

    #[test]
    fn upload_sets_owner_then_mode_through_the_descriptor() {
        let inv = upload(
            "/etc/my file",
            b"hi\n",
            Some(0o4755),
            Some("root"),
            Some("adm"),
            true,
        );
        // The directory is entered first (`ENTER_DIR`, tested through the
        // stdlib's `in_dir` and end to end), then:
        let (start, rest) = inv.command.split_once(ENTER_DIR).unwrap_or_default();
        assert_eq!(start, "set -eC\ninfrac_p='/etc/my file'\n");
        expect![[r#"
            r=./$infrac_b
            d=$PWD
            [ -e /proc/self/fd/0 ] || { echo 'uploads need /proc (the file is set up through its descriptor)' >&2; exit 1; }
            k=
            umask 077
            t=$(mktemp -u -- ./.infrac-upload.XXXXXXXXXX)
            exec 3>"$t"
            trap 'rm -f -- "$t"' EXIT
            trap 'exit 143' HUP INT TERM PIPE
            f=/proc/self/fd/3
            IFS=' ' read -r size sum || { echo 'no content arrived' >&2; exit 1; }
            cat >&3
            set -- $(stat -L -c '%s %d:%i %u:%g' -- $f "$t")
            [ "$1" = "$size" ] && [ "$(sha256sum <$f)" = "$sum  -" ] || { echo "the content arrived incomplete or altered ($1 of $size bytes)" >&2; exit 1; }
            [ ! -L "$t" ] && [ "$2" = "${5:-}" ] || { echo "$d/$t was replaced while infrac wrote it: another user can write to $d" >&2; exit 1; }
            chown -- root:adm $f
            chmod 4755 $f
            mv -fT -- "$t" "$r"
            trap - EXIT
        "#]]
        .assert_eq(rest);
        assert_eq!(
            inv.stdin,
            b"3 98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4\nhi\n"
        );
        // Read and write bits only: the mode at creation (and again after,
        // for a directory whose default ACL overrides the umask).
        let rw = upload("/x", b"", Some(0o640), None, None, false).command;
        assert!(
            rw.contains("umask 137\n") && rw.contains("chmod 640") && !rw.contains("sha256sum")
        );
    }

    /// The standard library enters directories with the same lines.
    #[test]
    fn the_stdlib_enters_directories_like_uploads() {
        let stdlib = include_str!("../../../stdlib/files.infra");
        let unescaped = stdlib.replace("\\{", "{").replace("\\}", "}");
        assert!(
            unescaped.contains(ENTER_DIR),
            "stdlib/files.infra `in_dir` differs from ENTER_DIR"
        );
    }

    #[test]
    fn upload_keeps_an_existing_files_attributes() {
        let inv = upload("x", b"", None, None, None, true);
        assert!(inv.command.contains("chown -- \"$k\" $f"));
        assert!(inv.command.contains("chmod -- \"$km\" $f"));
    }
}
