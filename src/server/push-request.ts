// The start of a `git-receive-pack` request (the refs a push updates) and the answers that refuse
// one, in git's pkt-line protocol. Pure: no I/O.

/** One ref update a push asks for. SHAs are lower-case hex; all zeros is "no such ref". */
export interface PushCommand {
  ref: string;
  /** The ref's value the client saw; all zeros when it creates the ref. */
  old: string;
  /** The value asked for; all zeros when it deletes the ref. */
  new: string;
}

export interface PushRequest {
  commands: PushCommand[];
  /** What the client asked for on its command lines: `report-status`, `side-band-64k`, … */
  capabilities: string[];
}

/** What a push may do to refs beyond creating branches and tags and fast-forwarding branches. */
export interface PushPolicy {
  /** Branches may be rewritten and tags moved. */
  allowForcePush?: boolean;
  /** Branches and tags may be deleted. */
  allowDeletes?: boolean;
}

const HEX_LINE = /^(?:([0-9a-fA-F]{40}) ([0-9a-fA-F]{40})|([0-9a-fA-F]{64}) ([0-9a-fA-F]{64})) ([^]+)$/;
const FLUSH = '0000';

/**
 * Reads the command list at the start of a receive-pack request body as git's receive-pack reads
 * it (`shallow` lines skipped, capabilities after a NUL, one trailing newline dropped), so the
 * refs seen here are the refs git will update. Anything git might read differently is an error
 * rather than a guess: a signed push (its commands hide in the certificate), packets other than
 * data and the closing flush, a list that does not end within `head`.
 */
export function parsePushRequest(head: Buffer): PushRequest | { error: string } {
  const commands: PushCommand[] = [];
  const capabilities = new Set<string>();
  let offset = 0;
  for (;;) {
    if (offset + 4 > head.length) return { error: 'the list of refs to update is incomplete' };
    const lengthText = head.toString('latin1', offset, offset + 4);
    if (lengthText === FLUSH) break;
    if (!/^[0-9a-fA-F]{4}$/.test(lengthText)) return { error: `"${printable(lengthText)}" is not a pkt-line length` };
    const length = Number.parseInt(lengthText, 16);
    if (length <= 4) return { error: `a packet of length ${length} among the refs to update` };
    if (offset + length > head.length) return { error: 'the list of refs to update is incomplete' };
    let line = head.toString('latin1', offset + 4, offset + length);
    offset += length;
    if (line.endsWith('\n')) line = line.slice(0, -1);
    if (line.startsWith('shallow ')) continue;
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      for (const capability of line.slice(nul + 1).split(' ')) if (capability) capabilities.add(capability);
      line = line.slice(0, nul);
    }
    if (line === 'push-cert') return { error: 'signed pushes are not accepted' };
    const match = HEX_LINE.exec(line);
    if (!match) return { error: `"${printable(line)}" is not "<old> <new> <ref>"` };
    const old = (match[1] ?? match[3]!).toLowerCase();
    const next = (match[2] ?? match[4]!).toLowerCase();
    commands.push({ ref: Buffer.from(match[5]!, 'latin1').toString('utf8'), old, new: next });
  }
  return { commands, capabilities: [...capabilities] };
}

function printable(text: string): string {
  const shown = text.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${shown}…` : shown;
}

export function isZeroId(id: string): boolean {
  return /^0+$/.test(id);
}

/**
 * Why the agent refuses a ref update, or undefined when it goes on to git. Only branches
 * (`refs/heads/`) and tags (`refs/tags/`) may be pushed. A new tag may be created; an existing one
 * never moves nor is deleted (unless the policy allows rewrites / deletes). Branches are left to
 * git, which refuses non-fast-forwards and deletions (`receive.denyNonFastForwards`,
 * `receive.denyDeletes`) — for branches only, which is why tags are checked here.
 */
export function refusalOf(command: PushCommand, policy: PushPolicy = {}): string | undefined {
  if (command.ref.startsWith('refs/heads/')) return undefined;
  if (!command.ref.startsWith('refs/tags/')) return 'only branches (refs/heads/) and tags (refs/tags/) can be pushed';
  if (isZeroId(command.old)) return undefined;
  if (isZeroId(command.new)) return policy.allowDeletes ? undefined : 'tags are never deleted';
  return policy.allowForcePush ? undefined : 'tags never move: push a new tag';
}

export interface PushRefusal {
  /** The reason per refused ref; the push's other refs are refused with it. */
  reasons: Map<string, string>;
  /** `unpack ok` when the pack is fine and refs are refused; else why the pack was not taken. */
  unpack?: string;
  /** Shown to the user as `remote: …` lines (when the client reads side-band messages). */
  message: string;
}

const OTHER_REFS = 'not updated: another ref of this push was refused';
// A side-band packet's payload: what fits in git's smallest (`side-band`, 1000 bytes) after the length and band.
const SIDEBAND_PAYLOAD = 995;

/**
 * The body of a receive-pack answer that refuses the whole push: a report with `ng <ref> <reason>`
 * for every ref (what `git push` prints as `! [remote rejected] main -> main (reason)`), and the
 * message on the side-band's progress channel (`remote: …`), when the client asked for a side band.
 */
export function pushRefusalBody(request: PushRequest, refusal: PushRefusal): Buffer {
  const lines = [`unpack ${refusal.unpack ?? 'ok'}\n`, ...request.commands.map((c) => `ng ${c.ref} ${refusal.reasons.get(c.ref) ?? OTHER_REFS}\n`)];
  const report = Buffer.concat([...lines.map((l) => pktLine(Buffer.from(l, 'utf8'))), Buffer.from(FLUSH)]);
  const sideband = request.capabilities.includes('side-band-64k') || request.capabilities.includes('side-band');
  if (!sideband) return report;
  const packets: Buffer[] = [];
  for (const line of refusal.message.split('\n')) {
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    for (let at = 0; at < bytes.length; at += SIDEBAND_PAYLOAD) packets.push(pktLine(Buffer.concat([Buffer.from([2]), bytes.subarray(at, at + SIDEBAND_PAYLOAD)])));
  }
  for (let at = 0; at < report.length; at += SIDEBAND_PAYLOAD) packets.push(pktLine(Buffer.concat([Buffer.from([1]), report.subarray(at, at + SIDEBAND_PAYLOAD)])));
  packets.push(Buffer.from(FLUSH));
  return Buffer.concat(packets);
}

function pktLine(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}
