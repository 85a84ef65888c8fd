// Finding the `infrac` binary: a path is taken as is, a bare name is looked
// up on PATH, so that a missing binary gets a clear message instead of a
// cryptic spawn error.
import * as fs from "fs";
import * as path from "path";

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of the binary, or undefined when it does not exist. */
export function resolveBinary(configured: string, env: NodeJS.ProcessEnv): string | undefined {
  const name = configured.startsWith("~")
    ? path.join(env.HOME ?? "", configured.slice(1))
    : configured;
  if (name.includes("/") || name.includes("\\")) {
    return isExecutable(name) ? path.resolve(name) : undefined;
  }
  const suffixes = process.platform === "win32" ? [".exe", ""] : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") {
      continue;
    }
    for (const suffix of suffixes) {
      const candidate = path.join(dir, name + suffix);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}
