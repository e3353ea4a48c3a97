/**
 * The event stream read in a worker thread keeps the daemon's numbering whole: where the ids jump
 * (the daemon skipped a reader that fell behind), it resumes with `Last-Event-ID` and passes on
 * what the replay brings back, each event once and in order; what the replay no longer reaches
 * is marked in its place. The daemon is played by a local HTTP server that answers each request
 * the way sandbox-agent's does (`id:` per message, a replay after `Last-Event-ID`).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { fetchInWorker, LOST_COMMENT } from "../../../src/actors/session/stream-reader.js";

const event = (id: number) => `event: message\nid: ${id}\ndata: {"n":${id}}\n\n`;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A daemon whose every GET is answered by `answer`, with the request's headers; the requests are kept. */
async function daemon(answer: (request: number, headers: IncomingHttpHeaders, response: ServerResponse) => Promise<void>) {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    response.writeHead(200, { "content-type": "text/event-stream" });
    void answer(requests.length, request.headers, response).catch(() => response.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/acp/s`;
  return {
    url,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** What a reader of the stream sees: each event's id, the lost count a comment stands for, or another comment. */
async function read(response: Response): Promise<Array<number | { lost: number } | string>> {
  const text = await response.text();
  const seen: Array<number | { lost: number } | string> = [];
  for (const block of text.split("\n\n").filter(Boolean)) {
    const lost = new RegExp(`^: ${LOST_COMMENT} (\\d+)$`).exec(block);
    if (lost) seen.push({ lost: Number(lost[1]) });
    else if (block.startsWith(":")) seen.push(block);
    else {
      const id = /^id: (\d+)$/m.exec(block);
      seen.push(id ? Number(id[1]) : { lost: NaN });
      assert.match(block, /^data: /m, "an event reaches the reader whole");
    }
  }
  return seen;
}

describe("the event stream read in a worker", () => {
  /** The daemon's replay after `Last-Event-ID`: what its ring still holds, then it stays open as the live stream would. */
  const replay = async (response: ServerResponse, ids: number[]) => {
    response.write(ids.map(event).join(""));
    await sleep(3_000);
    response.end();
  };

  it("fills a gap the daemon still holds from its replay, each event once and in order", async (t) => {
    const sandbox = await daemon(async (request, headers, response) => {
      if (request === 2) {
        assert.equal(headers["last-event-id"], "5");
        return replay(response, range(6, 11));
      }
      // 1–5 in pieces that split events and their lines; then the daemon skipped 6–8, and goes on live.
      const text = range(1, 5).map(event).join("") + event(9) + event(10);
      for (let at = 0; at < text.length; at += 37) {
        response.write(text.slice(at, at + 37));
        await sleep(1);
      }
      await sleep(100);
      response.end(`: heartbeat\n\n${event(11)}`);
    });
    t.after(sandbox.close);
    const response = await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream" } });
    assert.equal(response.status, 200);
    const seen = await read(response);
    assert.deepEqual(seen, [...range(1, 10), ": heartbeat", 11], "the heartbeat comment passes too, and nothing is marked lost");
    assert.equal(sandbox.requests.length, 2, "one replay");
  });

  it("marks in their place the events the daemon no longer holds, and goes on", async (t) => {
    const sandbox = await daemon(async (request, headers, response) => {
      if (request === 2) {
        assert.equal(headers["last-event-id"], "3");
        // The daemon's ring reaches back to 7 only: 4–6 are gone.
        return replay(response, range(7, 12));
      }
      response.end([1, 2, 3, 10, 11, 12].map(event).join(""));
    });
    t.after(sandbox.close);
    const seen = await read(await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream" } }));
    assert.deepEqual(seen, [1, 2, 3, { lost: 3 }, ...range(7, 12)]);
  });

  it("starts after the Last-Event-ID its reader gave, and fills every gap", async (t) => {
    const sandbox = await daemon(async (request, headers, response) => {
      assert.equal(headers["last-event-id"], ["20", "22", "26"][request - 1]);
      // 22 jumps to 25, then 26 to 30 (and 31 comes twice, as a replay can overlap what is live).
      if (request === 1) return void response.end([21, 22, 25, 26, 30, 31, 31].map(event).join(""));
      // First the ring reaches back to 24 only (23 is gone); then it holds all of 27–29.
      return replay(response, request === 2 ? range(24, 31) : range(27, 31));
    });
    t.after(sandbox.close);
    const seen = await read(await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream", "last-event-id": "20" } }));
    assert.deepEqual(seen, [21, 22, { lost: 1 }, ...range(24, 31)]);
    assert.equal(sandbox.requests.length, 3);
  });

  it("passes a stream whose ids began again (a new daemon at the same address) as it comes", async (t) => {
    const sandbox = await daemon(async (_request, headers, response) => {
      assert.equal(headers["last-event-id"], "50");
      response.end([1, 2, 3].map(event).join(""));
    });
    t.after(sandbox.close);
    const seen = await read(await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream", "last-event-id": "50" } }));
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it("keeps an event whole when a CR LF line end is split between chunks", async (t) => {
    const sandbox = await daemon(async (_request, _headers, response) => {
      const text = [1, 2].map(event).join("").replace(/\n/g, "\r\n");
      // Each chunk ends in the CR of a line end.
      for (const part of text.split(/(?<=\r)/)) {
        response.write(part);
        await sleep(2);
      }
      response.end();
    });
    t.after(sandbox.close);
    const seen = await read(await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream" } }));
    assert.deepEqual(seen, [1, 2]);
  });

  it("counts a gap lost when the daemon refuses the replay", async (t) => {
    const sandbox = await daemon(async (request, _headers, response) => {
      if (request === 2) return void response.destroy();
      response.end([1, 2, 6, 7].map(event).join(""));
    });
    t.after(sandbox.close);
    const seen = await read(await fetchInWorker(sandbox.url, { headers: { accept: "text/event-stream" } }));
    assert.deepEqual(seen, [1, 2, { lost: 3 }, 6, 7]);
  });
});
