// examples/clients/node/faxage_example.mjs: send a fax, wait for it, download its TIFF,
// then list the inbound faxes and fetch the newest. Node 20 with the built-in fetch.
//   FAXAGE_URL=http://127.0.0.1:8080 node faxage_example.mjs
// Over HTTPS against faxage-sim --tls: NODE_EXTRA_CA_CERTS=/path/to/ca.pem
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

const base = (process.env.FAXAGE_URL ?? "https://api.faxage.com").replace(/\/$/, "");
const login = {
  username: process.env.FAXAGE_USERNAME ?? "demo",
  company: process.env.FAXAGE_COMPANY ?? "1000",
  password: process.env.FAXAGE_PASSWORD ?? "demo",
};
const faxno = process.env.FAXAGE_FAXNO ?? "3039911234";
const pollSeconds = Number(process.env.FAXAGE_POLL_SECONDS ?? "10");

async function faxage(operation, fields = {}) {
  const form = new URLSearchParams({ ...login, operation, ...fields });
  const answer = await fetch(`${base}/httpsfax.php`, { method: "POST", body: form });
  const body = Buffer.from(await answer.arrayBuffer());
  if (body.subarray(0, 3).toString() === "ERR") {
    console.error(`FAXAGE answered ${body}`);
    process.exit(1);
  }
  return body;
}

function describe(what, file) {
  return `${what} ${file.length} bytes sha256 ${createHash("sha256").update(file).digest("hex")}`;
}

const answer = await faxage("sendfax", {
  faxno,
  recipname: "Front desk",
  "faxfilenames[]": "hello.txt",
  "faxfiledata[]": Buffer.from("Hello from Node\n").toString("base64"),
});
const jobid = answer.toString().replace("JOBID: ", "").trim();
console.log(`sent job ${jobid}`);

let fields;
for (let poll = 0; poll < 1000; poll++) {
  fields = (await faxage("status", { jobid })).toString().trimEnd().split("\t");
  if (fields[4] !== "pending") break;
  await sleep(pollSeconds * 1000);
}
console.log(`status ${jobid} ${fields[4]} ${fields[5]}`);
console.log(describe("tiff", await faxage("dlstatus", { jobid })));

const faxes = (await faxage("listfax")).toString().trimEnd().split("\n");
const [recvid, , cid, dnis] = faxes[faxes.length - 1].split("\t");
console.log(`inbound ${recvid} from ${cid} to ${dnis}`);
console.log(describe("fax", await faxage("getfax", { faxid: recvid })));
