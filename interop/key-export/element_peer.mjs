// Element's side of the key-export check: matrix-sdk-crypto-wasm, the build of matrix-rust-sdk that
// matrix-js-sdk (and so Element Web) uses to encrypt, decrypt and import these files.
//   node element_peer.mjs decrypt FILE PASSFILE          -> plaintext JSON on stdout
//   node element_peer.mjs import FILE PASSFILE           -> "imported N of M" (a fresh in-memory OlmMachine)
//   node element_peer.mjs encrypt JSONFILE PASSFILE ROUNDS -> armoured export on stdout
// The package is found through MATRIX_INTEROP_NODE_PEERS (a folder with node_modules), as in the
// project's other interop scripts.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const peers = process.env.MATRIX_INTEROP_NODE_PEERS;
if (!peers) { console.error("set MATRIX_INTEROP_NODE_PEERS to the folder holding node_modules"); process.exit(2); }
const entry = path.join(peers, "node_modules/@matrix-org/matrix-sdk-crypto-wasm/node.mjs");
const sdk = await import(pathToFileURL(entry).href);
if (sdk.initAsync) await sdk.initAsync();

const pass = (f) => fs.readFileSync(f, "utf8").replace(/\n$/, "");
const [op, a, b, c] = process.argv.slice(2);
if (op === "decrypt") {
  process.stdout.write(sdk.OlmMachine.decryptExportedRoomKeys(fs.readFileSync(a, "utf8"), pass(b)));
} else if (op === "import") {
  const json = sdk.OlmMachine.decryptExportedRoomKeys(fs.readFileSync(a, "utf8"), pass(b));
  const machine = await sdk.OlmMachine.initialize(new sdk.UserId("@interop:example.org"), new sdk.DeviceId("INTEROP"));
  const r = await machine.importExportedRoomKeys(json, () => {});
  console.log(`imported ${r.importedCount} of ${r.totalCount}`);
} else if (op === "encrypt") {
  process.stdout.write(sdk.OlmMachine.encryptExportedRoomKeys(fs.readFileSync(a, "utf8"), pass(b), Number(c)));
} else {
  console.error("usage: element_peer.mjs decrypt|import|encrypt ..."); process.exit(2);
}
