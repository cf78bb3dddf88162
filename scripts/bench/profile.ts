import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Summarises a V8 .cpuprofile: the self time of every sample taken under `rootFunction`, grouped by
 * the module (project file, npm package or Node built-in) whose code was running. Answers "what
 * dominates" when a budget fails.
 */
interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const moduleOf = (frame: CallFrame): string => {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal$/, 'node:internal');
  const project = /\/((?:lib|functions|infra|scripts|test)\/.*)$/.exec(url);
  return project?.[1] ?? url;
};

export const summariseProfile = (
  directory: string,
  rootFunction: string,
): {
  totalMs: number;
  byModule: { module: string; ms: number; share: number }[];
  byCallee: { module: string; ms: number; share: number }[];
} => {
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${directory}`);
  const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  const callees = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((sample, index) => {
    let id: number | undefined = sample;
    let child: number | undefined;
    let under = false;
    while (id !== undefined) {
      if (byId.get(id)?.callFrame.functionName === rootFunction) {
        under = true;
        break;
      }
      child = id;
      id = parent.get(id);
    }
    if (!under) return;
    const delta = profile.timeDeltas[index] ?? 0;
    const key = moduleOf(byId.get(sample)!.callFrame);
    totals.set(key, (totals.get(key) ?? 0) + delta);
    // The function the root called directly, with everything below it (e.g. authenticate → HMAC).
    const callee = child === undefined ? undefined : byId.get(child)?.callFrame;
    const calleeKey =
      callee === undefined
        ? `${rootFunction} (self)`
        : `${callee.functionName || '(anonymous)'} [${moduleOf(callee)}]`;
    callees.set(calleeKey, (callees.get(calleeKey) ?? 0) + delta);
    total += delta;
  });
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .map(([module, us]) => ({ module, ms: us / 1000, share: us / total }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 14);
  return { totalMs: total / 1000, byModule: rank(totals), byCallee: rank(callees) };
};
