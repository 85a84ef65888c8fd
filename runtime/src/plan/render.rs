//! The plan for people: per stage, per op call, per host, what will change
//! (the exact commands), what may change and why, and a summary line.

use std::fmt::Write;

use super::document::{CommandDoc, PlanDoc, StepDoc, StepStatus, UnknownDoc};

/// The plan as text; `diff`: show the uploads' content diffs.
pub fn render_human(doc: &PlanDoc, diff: bool) -> String {
    let mut out = String::new();
    for (index, stage) in doc.stages.iter().enumerate() {
        if !doc.inputs.stages.is_empty() && !doc.inputs.stages.contains(stage) {
            let _ = writeln!(out, "stage {stage} skipped (not selected)");
            continue;
        }
        let sites = sites(doc, index);
        if sites.is_empty() {
            continue;
        }
        let _ = writeln!(out, "stage {stage}");
        for site in sites {
            let what = if site.op.is_empty() {
                "(the rest of the stage)"
            } else {
                &site.op
            };
            let _ = writeln!(out, "  {}:{}  {what}", site.file, site.line);
            for host in &doc.hosts {
                for step in host.steps.iter().filter(|s| same_site(s, site)) {
                    let _ = writeln!(out, "    {}: {}", host.name, status(step));
                    for command in &step.commands {
                        write_command(&mut out, command, diff);
                    }
                }
            }
        }
    }
    for host in &doc.hosts {
        if let Some(f) = &host.failed {
            let at = match (&f.file, f.line) {
                (Some(file), Some(line)) => format!(" ({file}:{line})"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "host {}: the plan failed in stage {}: {}{at}",
                host.name, f.stage, f.message
            );
        }
    }
    let _ = writeln!(out, "{}", summary_line(doc));
    out
}

/// `Plan: 2 hosts, 3 ops will change, 1 undetermined, 4 unchanged.`
pub fn summary_line(doc: &PlanDoc) -> String {
    let s = &doc.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = format!(
        "Plan: {}, {} will change, {} undetermined, {} unchanged",
        plural(s.hosts, "host", "hosts"),
        plural(s.will_change, "op", "ops"),
        s.undetermined,
        s.no_change
    );
    if s.failed > 0 {
        let _ = write!(line, ", {} failed", plural(s.failed, "host", "hosts"));
    }
    line.push('.');
    line
}

/// The distinct call sites of stage `index`, in the order hosts reached
/// them.
fn sites(doc: &PlanDoc, index: usize) -> Vec<&StepDoc> {
    let mut out: Vec<&StepDoc> = Vec::new();
    for step in doc.hosts.iter().flat_map(|h| &h.steps) {
        if step.stage == index && !out.iter().any(|s| same_site(s, step)) {
            out.push(step);
        }
    }
    out
}

fn same_site(a: &StepDoc, b: &StepDoc) -> bool {
    a.stage == b.stage && a.module == b.module && a.span == b.span && a.op == b.op
}

fn status(step: &StepDoc) -> String {
    match (step.status, &step.depends_on) {
        (StepStatus::NoChange, _) => "no change".into(),
        (StepStatus::WillChange, _) => "will change".into(),
        (StepStatus::MayChange, Some(u)) => format!("may change: {}", depends(step, u)),
        (StepStatus::RestUndetermined, Some(u)) => {
            format!("undetermined from here: {}", depends(step, u))
        }
        (StepStatus::MayChange, None) => "may change".into(),
        (StepStatus::RestUndetermined, None) => "undetermined from here".into(),
    }
}

/// `depends on the change at line 12 (facts.file("/srv/app") is unknown until then)`.
fn depends(step: &StepDoc, u: &UnknownDoc) -> String {
    let at = if u.file == step.file {
        format!("line {}", u.line)
    } else {
        format!("{}:{}", u.file, u.line)
    };
    format!(
        "depends on the change at {at} ({} is unknown until then)",
        u.what
    )
}

fn write_command(out: &mut String, command: &CommandDoc, diff: bool) {
    let sudo = match command.sudo.as_deref() {
        None => String::new(),
        Some("root") => "  (sudo)".into(),
        Some(user) => format!("  (sudo -u {user})"),
    };
    let prefix = if command.kind == "exec" { "$ " } else { "" };
    let mut lines = command.display.lines();
    let _ = writeln!(
        out,
        "      {prefix}{}{sudo}",
        lines.next().unwrap_or_default()
    );
    for line in lines {
        let _ = writeln!(out, "        {line}");
    }
    if let Some(stdin) = &command.stdin {
        let _ = writeln!(out, "        (standard input: {stdin:?})");
    }
    if diff && let Some(text) = &command.diff {
        for line in text.lines() {
            let _ = writeln!(out, "        {line}");
        }
    }
}
