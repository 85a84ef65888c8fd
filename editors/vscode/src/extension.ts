// The VS Code side of infrac: starts `infrac lsp` over stdio and hands
// .infra documents to it. Everything language-aware lives in the server.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { resolveBinary } from "./binary";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("infrac.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("infrac.path")) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const configured = vscode.workspace.getConfiguration("infrac").get<string>("path") || "infrac";
  const binary = resolveBinary(configured, process.env);
  if (binary === undefined) {
    const open = "Open Settings";
    const choice = await vscode.window.showErrorMessage(
      `infrac: the language server binary "${configured}" was not found. ` +
        "Install infrac (cargo install --path . in the infrac repository) " +
        "or set \"infrac.path\" to the full path of the binary.",
      open,
    );
    if (choice === open) {
      await vscode.commands.executeCommand("workbench.action.openSettings", "infrac.path");
    }
    return;
  }

  const serverOptions: ServerOptions = {
    command: binary,
    args: ["lsp"],
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "infra" }],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.infra"),
    },
  };
  client = new LanguageClient("infrac", "infrac language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(`infrac: the language server "${binary} lsp" failed to start: ${String(err)}`);
    client = undefined;
  }
  if (client !== undefined) {
    context.subscriptions.push(client);
  }
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    await running.stop();
  }
}
