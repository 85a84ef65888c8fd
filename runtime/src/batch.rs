//! Performs a `Request::Batch` — the commands a VM deferred, then the
//! request it halted for — as ONE script on the host: one round trip
//! instead of one per command.
//!
//! Each command becomes a snippet of a [`Batch`] script, wrapped through
//! sudo like a lone command would be; the whole script is bounded by one
//! host-side `timeout` of `--timeout` per part (a wrapper per command
//! would cost the host two processes each), and a script stopped there
//! is reported at the part it was running. A checked
//! command that fails ends the script, so nothing after it runs. What the
//! commands read on stdin (an upload's content, `run(stdin:)`) never goes
//! in the script text, which other users of the host may see in `ps`: it
//! travels on the script's stdin as a tar archive, unpacked into a private
//! temporary directory (`mktemp -d`, removed at the end), one file per
//! command.

use std::time::{Duration, Instant};

use infrac_connect::shell::{self, TIMEOUT_STATUS};
use infrac_connect::{ConnectorError, ErrorKind, ExecOptions, Transport};
use infrac_vm::request::{
    Batch as BatchRequest, CommandOutput, Deferred, ExecRequest, FactQuery, Request, Response,
    Sudo, UploadRequest,
};

use crate::connection::Connection;
use crate::facts::batch::Batch;
use crate::facts::{FactRead, Section};
use crate::perform::{CommandSettings, by_user, local_content};

/// One part of the script and how to read its section of the output.
enum Part {
    Deferred {
        check: bool,
    },
    /// A `Deferred::Verify`: exit status 0 when the fact is as it was when
    /// the script began, else 99 and the fact's output.
    Verify(FactRead),
    Exec,
    Upload,
    Facts(Vec<usize>, FactRead),
}

/// The exit status of a verify snippet whose fact changed.
const CHANGED: i32 = 99;

/// The exit status of a script `timeout -k` had to kill.
const KILLED_STATUS: i32 = 128 + 9;

/// How long past the host-side limit the connection waits.
const TIMEOUT_GRACE: Duration = Duration::from_secs(5);

/// The longest script sent on the command line.
const INLINE_MAX: usize = 64 * 1024;

/// The script being assembled.
struct Script<'a> {
    settings: &'a CommandSettings<'a>,
    snippets: Vec<(String, bool)>,
    parts: Vec<Part>,
    payloads: Vec<Vec<u8>>,
    /// A snippet runs through sudo with the run's password: the script
    /// reads it first on its stdin.
    password_used: bool,
    /// What runs before every snippet: the first reads of verified facts.
    prelude: String,
    verifies: usize,
    /// A snippet runs through sudo: the script sets `infrac_login` first.
    sudo_used: bool,
}

impl<'a> Script<'a> {
    fn new(settings: &'a CommandSettings<'a>) -> Self {
        Script {
            settings,
            snippets: Vec::new(),
            parts: Vec::new(),
            payloads: Vec::new(),
            password_used: false,
            prelude: String::new(),
            verifies: 0,
            sudo_used: false,
        }
    }

    /// Adds `script` run with sudo `sudo`, reading `stdin` when given.
    fn command(
        &mut self,
        script: &str,
        sudo: Option<&Sudo>,
        stdin: Option<Vec<u8>>,
        stop: bool,
        part: Part,
    ) {
        let text = self.wrap(script, &[], false, true, sudo, stdin);
        self.snippets.push((text, stop));
        self.parts.push(part);
    }

    /// Reads `fact` where the VM went on with its last value, and stops
    /// the script there when it differs from its read at the start.
    fn verify(&mut self, fact: &FactQuery) {
        let read = FactRead::new(std::slice::from_ref(&fact.key));
        let sudo = fact.sudo.as_ref();
        // The two reads compared are the fact's bare snippet; the framed
        // read for the new value runs only when they differ.
        let bare = match crate::facts::plan(&fact.key) {
            Ok(planned) => planned.script,
            Err(e) => format!("echo {}", shell::quote(&e)),
        };
        let bare = self.wrap(&bare, &[], false, true, sudo, None);
        let framed = self.wrap(read.script(), &[], false, true, sudo, None);
        let n = self.verifies;
        self.verifies += 1;
        // The output and the exit status (`x` keeps trailing newlines).
        let capture = format!("$( (\n{bare}\n) </dev/null 2>&1; echo \"x$?\" )");
        self.prelude.push_str(&format!("infrac_v{n}={capture}\n"));
        let snippet = format!(
            "infrac_now={capture}\n\
             [ \"$infrac_now\" = \"$infrac_v{n}\" ] && exit 0\n\
             (\n{framed}\n)\n\
             exit {CHANGED}"
        );
        self.snippets.push((snippet, true));
        self.parts.push(Part::Verify(read));
    }

    /// `script` as a snippet's text: through sudo, with its stdin (after
    /// the lines that give the script its `secrets`). A request that cannot
    /// be run (an invalid sudo user) becomes a snippet that fails with the
    /// reason, so it fails where the program made it.
    /// `prelude`: the script does not read its secrets itself (it was not
    /// given [`shell::secrets_prelude`]): the wrapper adds the lines.
    fn wrap(
        &mut self,
        script: &str,
        secrets: &[std::sync::Arc<str>],
        export: bool,
        prelude: bool,
        sudo: Option<&Sudo>,
        stdin: Option<Vec<u8>>,
    ) -> String {
        if secrets.iter().any(|s| s.contains('\0')) {
            return failing(&shell::InvalidRequest::NulByte.to_string());
        }
        let password = self.settings.sudo_password.filter(|_| sudo.is_some());
        let opts = ExecOptions {
            secrets: if prelude { secrets } else { &[] },
            export_secrets: export,
            sudo: sudo.map(|s| s.user.as_deref()),
            // The wrapper reads the password first on its stdin; it is
            // piped in from the script's variable below.
            sudo_password: password.map(|_| ""),
            login_name_set: true,
            ..ExecOptions::default()
        };
        let inv = match shell::invocation(script, &opts) {
            Ok(inv) => inv,
            Err(e) => return failing(&e.to_string()),
        };
        self.sudo_used |= sudo.is_some();
        let stdin = match (secrets.is_empty(), stdin) {
            (true, stdin) => stdin,
            (false, stdin) => {
                let mut bytes = shell::secret_lines(secrets);
                bytes.extend(stdin.unwrap_or_default());
                Some(bytes)
            }
        };
        let input = stdin.map(|bytes| {
            self.payloads.push(bytes);
            format!("\"$infrac_d/{}\"", self.payloads.len() - 1)
        });
        // A payload is removed as soon as it is open: what a killed script
        // leaves behind (SIGKILL runs no trap) is at most the payloads of
        // the parts that had not started.
        match (password, input) {
            (None, None) => inv.command,
            (None, Some(file)) => format!("exec <{file}\nrm -f {file}\n{}", inv.command),
            (Some(_), input) => {
                self.password_used = true;
                let input = input.map_or(":".to_string(), |file| {
                    format!("exec 3<{file}; rm -f {file}; cat <&3")
                });
                format!(
                    "{{ printf '%s\\n' \"$infrac_pw\"; {input}; }} | (\n{}\n)",
                    inv.command
                )
            }
        }
    }

    /// A program's command runs in an `sh -c` of its own, as it would
    /// alone: its syntax, `exit`, variables and traps stay its own (and it
    /// cannot see the script's variables; the sudo wrapper is one already).
    fn exec(&mut self, exec: &ExecRequest, stop: bool, part: Part) {
        let stdin = exec.stdin.as_ref().map(|s| s.as_bytes().to_vec());
        let secrets = &exec.secrets;
        // The secrets' lines are read where the script runs: inside sudo's
        // shell (by the wrapper), or first thing in its own `sh -c`.
        let (own, prelude) = match exec.sudo {
            Some(_) => (exec.script.clone(), true),
            None => {
                let inner =
                    shell::secrets_prelude(secrets.values.len(), secrets.exported) + &exec.script;
                (format!("exec sh -c {}", shell::quote(&inner)), false)
            }
        };
        let text = self.wrap(
            &own,
            &secrets.values,
            secrets.exported,
            prelude,
            exec.sudo.as_ref(),
            stdin,
        );
        self.snippets.push((text, stop));
        self.parts.push(part);
    }

    /// An upload: its script reads the content on stdin. A local file that
    /// cannot be read becomes a snippet that fails with the reason, so the
    /// op fails where it uploads, after the commands before it.
    async fn upload(&mut self, upload: &UploadRequest, stop: bool, part: Part) {
        let (text, content) = match local_content(&upload.source).await {
            Ok(content) => {
                let owner = upload.owner.as_deref();
                let group = upload.group.as_deref();
                let inv = shell::upload(&upload.remote, &content, upload.mode, owner, group, false);
                (inv.command, Some(inv.stdin))
            }
            Err(message) => (failing(&message), None),
        };
        self.command(&text, upload.sudo.as_ref(), content, stop, part);
    }

    /// The script's text and its stdin. The text goes on a command line,
    /// where one argument is limited (128 KiB on Linux): a longer script
    /// travels on stdin with the payloads and is sourced from there.
    fn finish(&self) -> (Batch, String, Vec<u8>) {
        let refs: Vec<(&str, bool)> = self
            .snippets
            .iter()
            .map(|(s, stop)| (s.as_str(), *stop))
            .collect();
        let batch = Batch::stopping(&refs);
        let mut body = String::new();
        if self.sudo_used {
            body.push_str("infrac_login=$(id -un) || exit 1\n");
        }
        body.push_str(&self.prelude);
        body.push_str(&batch.script);
        let mut setup = String::new();
        let mut stdin = Vec::new();
        if let (true, Some(password)) = (self.password_used, self.settings.sudo_password) {
            setup.push_str("IFS= read -r infrac_pw || exit 1\n");
            stdin.extend_from_slice(password.as_bytes());
            stdin.push(b'\n');
        }
        let inline = body.len() <= INLINE_MAX;
        if !self.payloads.is_empty() || !inline {
            let mut files = self.payloads.clone();
            if !inline {
                files.push(body.as_bytes().to_vec());
            }
            // The payloads may be secrets: removed however the script ends
            // (a signal runs the EXIT trap through `exit`).
            setup.push_str(
                "infrac_d=$(mktemp -d) || exit 1\n\
                 trap 'rm -rf \"$infrac_d\"' EXIT\n\
                 trap 'exit 143' HUP INT TERM PIPE\n\
                 tar -x -o -f - -C \"$infrac_d\" || { echo \"infrac: cannot unpack this batch's input (commands' stdin and uploads) in $infrac_d: is ${TMPDIR:-/tmp} full?\" >&2; exit 1; }\n",
            );
            stdin.extend_from_slice(&crate::tar::archive(&files));
        }
        let mut text = setup;
        match inline {
            true => text.push_str(&body),
            false => text.push_str(&format!(". \"$infrac_d/{}\"\n", self.payloads.len())),
        }
        if let Some(limit) = self.limit() {
            text = shell::with_timeout(&text, limit);
        }
        (batch, text, stdin)
    }

    /// The whole script's time limit: `--timeout` for each of its parts.
    fn limit(&self) -> Option<Duration> {
        let parts = (self.snippets.len() + self.verifies).max(1);
        let parts = u32::try_from(parts).unwrap_or(u32::MAX);
        self.settings
            .bound(self.settings.timeout.map(|t| t.saturating_mul(parts)))
    }
}

/// A snippet that fails with `message` on its error output.
fn failing(message: &str) -> String {
    format!("printf '%s\\n' {} >&2\nexit 1", shell::quote(message))
}

/// Performs `batch`; see the module's documentation.
pub async fn perform_batch(
    conn: &Connection,
    batch: BatchRequest,
    settings: &CommandSettings<'_>,
) -> Result<Response, ConnectorError> {
    let mut script = Script::new(settings);
    for d in &batch.deferred {
        match d {
            Deferred::Exec { exec, check } => {
                script.exec(exec, *check, Part::Deferred { check: *check });
            }
            Deferred::Upload(upload) => {
                script
                    .upload(upload, true, Part::Deferred { check: true })
                    .await;
            }
            Deferred::Verify(fact) => script.verify(fact),
        }
    }
    match batch.then.as_deref() {
        None => {}
        Some(Request::Exec(exec)) => script.exec(exec, false, Part::Exec),
        Some(Request::Upload(upload)) => script.upload(upload, false, Part::Upload).await,
        Some(Request::ReadFacts(queries)) => {
            for (sudo, at) in by_user(queries) {
                let keys: Vec<_> = at.iter().map(|&i| queries[i].key.clone()).collect();
                let read = FactRead::new(&keys);
                let text = read.script().to_string();
                script.command(&text, sudo, None, false, Part::Facts(at, read));
            }
        }
        Some(Request::Batch(_) | Request::Sleep(_)) => {
            return Err(ConnectorError::new(
                Transport::host(conn),
                ErrorKind::Invalid,
                "internal: a batch or a sleep inside a batch",
            ));
        }
    }
    let (shell_batch, text, stdin) = script.finish();
    let limit = script.limit();
    let started = Instant::now();
    // The connection itself gives up a little after the host-side limit
    // (a host that stops answering, a daemon holding the output open).
    let last_resort = limit.map(|l| l + TIMEOUT_GRACE);
    let (out, lost) = match Transport::run(conn, &text, stdin, last_resort).await {
        Ok(raw) => (raw.into_output(), None),
        // The parts whose sections arrived in whole did run: they are
        // reported done, and the loss at the part that was running.
        Err(ConnectorError {
            kind: ErrorKind::ConnectionLost,
            partial: Some(raw),
            message,
            ..
        }) => (raw.into_output(), Some(message)),
        Err(e) => return Err(e),
    };
    // `timeout` exits 124 when it stopped the script (137 when it had to
    // kill it); a script that exits so by itself before the limit was not
    // stopped.
    let stopped_by_limit = matches!(out.code, TIMEOUT_STATUS | KILLED_STATUS);
    let timed_out = limit.filter(|l| stopped_by_limit && started.elapsed() >= *l);
    let stopped = timed_out
        .map(|limit| {
            format!(
                "command timed out: the {} commands and checks sent together ran past {:.1}s (--timeout for each)",
                script.parts.len(),
                limit.as_secs_f64()
            )
        })
        .or(lost);
    let sections = shell_batch.split(&out.stdout, &out.stderr);
    Ok(read_sections(&batch, script.parts, sections, stopped))
}

/// The response from the sections of the script's output; `stopped`: why
/// the script was stopped before its end, if it was.
fn read_sections(
    batch: &BatchRequest,
    parts: Vec<Part>,
    sections: Vec<Result<Section, String>>,
    stopped: Option<String>,
) -> Response {
    let mut done = Vec::new();
    let mut then: Option<Response> = None;
    let mut fact_results: Vec<Option<Result<infrac_vm::value::Value, String>>> = Vec::new();
    if let Some(Request::ReadFacts(queries)) = batch.then.as_deref() {
        fact_results = vec![None; queries.len()];
    }
    for (part, section) in parts.into_iter().zip(sections) {
        let section = match section {
            Ok(s) => s,
            // The script was cut short: the connection or the host went
            // away while this part ran.
            Err(why) => {
                let lost = stopped.unwrap_or_else(|| {
                    format!("the host stopped answering while this ran ({why})")
                });
                return cut_short(done, Some(lost), None);
            }
        };
        match part {
            Part::Deferred { check } => {
                let out = output(section);
                let failed = out.code != 0 && check;
                done.push(out);
                if failed {
                    return cut_short(done, None, None);
                }
            }
            Part::Verify(read) => {
                done.push(CommandOutput::default());
                if section.code != 0 {
                    let now = match section.code {
                        CHANGED => read.results(&section.stdout, &section.stderr).pop(),
                        _ => None,
                    };
                    let changed = Some(now.unwrap_or_else(|| {
                        Err(format!(
                            "the check of a fact failed: {}",
                            section.stderr.trim()
                        ))
                    }));
                    return cut_short(done, None, changed);
                }
            }
            Part::Exec | Part::Upload => then = Some(Response::Done(output(section))),
            Part::Facts(at, read) => {
                for (i, result) in at
                    .into_iter()
                    .zip(read.results(&section.stdout, &section.stderr))
                {
                    fact_results[i] = Some(result);
                }
            }
        }
    }
    if matches!(batch.then.as_deref(), Some(Request::ReadFacts(_))) {
        let values = fact_results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("no answer".into())))
            .collect();
        then = Some(Response::Facts(values));
    }
    Response::Batch {
        done,
        lost: None,
        changed: None,
        then: then.map(Box::new),
    }
}

/// The response to a script that ended before its last part.
fn cut_short(
    done: Vec<CommandOutput>,
    lost: Option<String>,
    changed: Option<Result<infrac_vm::value::Value, String>>,
) -> Response {
    Response::Batch {
        done,
        lost,
        changed,
        then: None,
    }
}

fn output(section: Section) -> CommandOutput {
    CommandOutput {
        code: section.code,
        stdout: section.stdout,
        stderr: section.stderr,
    }
}
