// tests/interop/check-repo.js - verify a fleetwardd TUF repository with tuf-js (an independent
// client; PROTOCOLS.md 4.7) and download one target through it.
//
//   node check-repo.js TUF_BASE_URL TRUSTED_ROOT TARGET_PATH OUT_FILE [WORK_DIR]
//
// TUF_BASE_URL is <server>/tuf (metadata under /metadata, targets under /targets). TRUSTED_ROOT
// is the trust anchor, copied to WORK_DIR/metadata/root.json unless that directory already
// holds trusted metadata (a second run with the same WORK_DIR continues from what the first one
// trusted, so rollback and freeze can be checked; without WORK_DIR a temporary one is used and
// removed). Exit status 0: the repository verified and
// OUT_FILE holds the target (tuf-js checked its length and hashes); 1: anything failed, with
// tuf-js's error on stderr; 2: usage.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Updater } = require('tuf-js');

async function main(argv) {
  if (argv.length < 4 || argv.length > 5) {
    console.error('usage: node check-repo.js TUF_BASE_URL TRUSTED_ROOT TARGET_PATH OUT_FILE [WORK_DIR]');
    return 2;
  }
  const [base, trustedRoot, target, out] = argv;
  const work = argv[4] || fs.mkdtempSync(path.join(os.tmpdir(), 'tufjs.'));
  if (!argv[4]) {
    process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
  }
  const metadataDir = path.join(work, 'metadata');
  const targetDir = path.join(work, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetDir, { recursive: true });
  if (!fs.existsSync(path.join(metadataDir, 'root.json'))) {
    fs.copyFileSync(trustedRoot, path.join(metadataDir, 'root.json'));
  }
  const u = new Updater({
    metadataBaseUrl: base + '/metadata',
    targetBaseUrl: base + '/targets',
    metadataDir,
    targetDir,
  });
  await u.refresh();
  const info = await u.getTargetInfo(target);
  if (!info) {
    console.error(`tuf-js: target '${target}' is not in the verified targets metadata`);
    return 1;
  }
  const cached = await u.findCachedTarget(info, out);
  if (!cached) {
    await u.downloadTarget(info, out);
  }
  console.log(`tuf-js: verified '${target}' (${info.length} bytes) into ${out}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(`tuf-js: ${e && e.name ? e.name + ': ' : ''}${e && e.message ? e.message : String(e)}`);
    process.exit(1);
  },
);
