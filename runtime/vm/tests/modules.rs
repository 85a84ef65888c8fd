//! Programs of several user modules: qualified names, `pub` facts and
//! merged stages.

mod support;

use support::*;

const COMMON: &str = r#"
    pub enum Tier { frontend, backend }
    pub type Web = { port: int, tier: Tier = Tier.backend }
    pub fact answer: int { 42 }
    pub fn describe(w: Web): str { "{w.port}/{w.tier}" }
    pub op hello(name: str) changes nothing { probe(sh"echo hello {name}") }
    group common_hosts = [local(name: "c")]
    stage prepare on common_hosts -> str { "prepared" }
"#;

const SITE: &str = r#"
    use lib::common
    use lib::common as c2
    group g = [local()]
    stage main on g -> str {
      let w: common.Web = { port: 80 }
      let t = match w.tier { common.Tier.frontend => "f", common.Tier.backend => "b" }
      c2.hello("you")
      "{common.describe(w)} {t} {facts.answer} {w.tier == c2.Tier.backend}"
    }
"#;

#[test]
fn items_of_used_modules_are_reachable() {
    let program = compile_files(&[("site.infra", SITE), ("lib/common.infra", COMMON)]);
    let stages: Vec<&str> = program.stages.iter().map(|s| s.name.as_str()).collect();
    // The used module's stages run first, then the root's.
    assert_eq!(stages, ["prepare", "main"]);
    let mut vm = vm(program);
    let mut host = FakeHost::default();
    assert_eq!(host.run(&mut vm, 1), Ok(s("80/backend b 42 true")));
    assert_eq!(host.commands(), ["echo hello you"]);
    assert_eq!(host.run(&mut vm, 0), Ok(s("prepared")));
}
