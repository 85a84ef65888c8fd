// The VS Code scenario of run.sh, in chromium through playwright-core.
// Prints one line per check and exits non-zero when one fails; a
// screenshot of each step is left in $OUT.
const { chromium } = require("playwright-core");
const fs = require("fs");
const path = require("path");

const url = process.env.URL;
const out = process.env.OUT;
// "missing": infrac.path points nowhere; the extension must say so.
const mode = process.env.MODE || "full";
let failed = false;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed = true;
}

async function waitFor(fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn().catch(() => null);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

/** Diagnostics, hover and completion on the open site.infra. */
async function fullScenario(page) {
  // Diagnostics from the server, in the Problems panel.
  await page.keyboard.press("Control+Shift+M");
  const problem = await waitFor(async () => {
    const t = await page.textContent(".markers-panel");
    return t && t.includes("directroy") && t;
  }, 30000);
  check(Boolean(problem) && problem.includes("did you mean"), "the typo is reported with a suggestion");
  await page.screenshot({ path: path.join(out, "2-problems.png") });

  // Hover over `facts.file`'s `file`. The inlay hint `: File?` arrives on
  // its own schedule and moves the line, which closes an open hover: wait
  // for it, and hover again (mouse away and back) until the hover shows.
  await waitFor(async () => (await page.textContent(".view-lines")).includes("File?"), 20000);
  const word = page.locator(".view-lines span", { hasText: /^file$/ }).first();
  const hover = await waitFor(async () => {
    await page.mouse.move(0, 0);
    await word.hover();
    const shown = await waitFor(async () => {
      const t = (await page.locator(".monaco-hover").allTextContents()).join("\n");
      return t.includes("fact file") && t;
    }, 3000);
    return shown;
  }, 30000);
  check(Boolean(hover) && hover.includes("pub type File"), "hover shows the fact and its schema");
  await page.screenshot({ path: path.join(out, "3-hover.png") });

  // Completion after `facts.` on a new line.
  await page.locator(".view-lines span", { hasText: /directroy/ }).first().click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("let q = facts.");
  // Typing `.` opens the suggestions; if that trigger was lost (the
  // document was still being analysed), ask again with Ctrl+Space.
  const suggest = await waitFor(async () => {
    const shown = await waitFor(async () => {
      const t = await page.textContent(".suggest-widget");
      // The widget renders its first rows only: facts in name order.
      return t && t.includes("command") && t;
    }, 3000);
    if (!shown) await page.keyboard.press("Control+Space");
    return shown;
  }, 30000);
  check(Boolean(suggest) && suggest.includes("crontab"), "completion lists facts");
  await page.screenshot({ path: path.join(out, "4-completion.png") });
}

(async () => {
  const profile = fs.mkdtempSync(path.join(out, "chromium-"));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = browser.pages()[0] || (await browser.newPage());
  try {
    await page.goto(url);
    await page.waitForSelector(".monaco-workbench", { timeout: 60000 });

    // Open site.infra from the explorer.
    const entry = page.locator(".explorer-folders-view .monaco-list-row", { hasText: "site.infra" }).first();
    await entry.waitFor({ timeout: 30000 });
    await entry.click();
    await page.waitForSelector(".monaco-editor .view-lines", { timeout: 30000 });

    const language = await waitFor(async () => {
      const t = await page.textContent("#status\\.editor\\.mode");
      return t && t.trim() !== "Plain Text" && t.trim();
    }, 20000);
    check(language && /infra/i.test(language), `language mode is infra (${language})`);
    await page.screenshot({ path: path.join(out, `1-open-${mode}.png`) });

    if (mode === "missing") {
      const toast = await waitFor(async () => {
        const t = (await page.locator(".notification-toast").allTextContents()).join("\n");
        return t.includes("was not found") && t;
      }, 30000);
      check(Boolean(toast) && toast.includes("infrac.path"), "a missing binary is reported, naming the setting");
      await page.screenshot({ path: path.join(out, "5-missing-binary.png") });
    } else {
      await fullScenario(page);
    }
  } catch (e) {
    check(false, `scenario error: ${e.message}`);
    await page.screenshot({ path: path.join(out, "error.png") }).catch(() => {});
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(failed ? "FAIL" : "PASS");
  process.exit(failed ? 1 : 0);
})();
