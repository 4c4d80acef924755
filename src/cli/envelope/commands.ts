/**
 * Registers `locksmith encrypt` and `locksmith decrypt`: client-side envelope encryption in the
 * AWS Encryption SDK message format, against Locksmith or AWS KMS.
 */
import { unlinkSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, UsageError } from './errors.js';
import { removePendingTempFilesSync } from './one-message.js';
import { collect, DEFAULT_CACHE, DEFAULT_FRAME_LENGTH, parseOptions, type RawOptions } from './options.js';
import { runEnvelope } from './run.js';

const EXIT_HELP = `
Exit status: 0 done; 1 local I/O failure; 2 bad usage; 3 KMS refused or unreachable (access denied,
key disabled or not found, no credentials or region); 4 the message failed verification (corrupted,
truncated, wrong --context, no usable encrypted data key). On failure no output file is left behind.`;

function common(cmd: Command): Command {
  return cmd
    .option('--key <key>', 'KMS key (repeatable)', collect, [])
    .option('--context <k=v>', 'encryption context pair (repeatable)', collect, [])
    .option('--in <file|->', "input file, directory with --recursive, or '-' for stdin", '-')
    .option('--out <file|->', "output file, directory with --recursive, or '-' for stdout (default: --in with .encrypted added or removed; stdout for stdin)")
    .option('--endpoint-url <url>', 'KMS endpoint (default: AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the profile, or AWS)')
    .option('--region <region>', 'AWS Region (default: AWS_REGION or the profile)')
    .option('--profile <name>', 'profile from the shared AWS config and credentials files')
    .option('--max-encrypted-data-keys <n>', 'refuse messages with more encrypted data keys than this')
    .option('--insecure-commitment-policy <policy>', 'INSECURE: REQUIRE_ENCRYPT_ALLOW_DECRYPT or FORBID_ENCRYPT_ALLOW_DECRYPT instead of REQUIRE_ENCRYPT_REQUIRE_DECRYPT (messages without key commitment)')
    .option('--recursive', `process a directory tree (*${'.encrypted'} files), with a summary`)
    .option('--cache-max-age <seconds>', `reuse a data key across files for this long (default with --recursive: ${DEFAULT_CACHE.maxAgeSeconds}; 0 = off)`)
    .option('--cache-max-messages <n>', `reuse a data key for at most this many files (default ${DEFAULT_CACHE.maxMessages})`)
    .option('--quiet', 'no progress bar and no summary')
    .addHelpText('after', EXIT_HELP);
}

function action(direction: 'encrypt' | 'decrypt') {
  return async (raw: RawOptions) => {
    const onSignal = (signal: NodeJS.Signals) => {
      removePendingTempFilesSync(unlinkSync);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The SDK pipes some of its inner streams without a callback, which rethrows their errors.
    process.once('uncaughtException', (e: Error) => {
      removePendingTempFilesSync(unlinkSync);
      process.stderr.write(`locksmith ${direction}: failed: ${String(e.message).split('\n')[0]}\n`);
      process.exit(EXIT.failure);
    });
    // The SDK reads a profile's endpoint_url only from AWS_PROFILE, not from the client's `profile`
    // option (@smithy/core getEndpointFromConfig), so --profile sets it. As with the aws CLI, a
    // command-line profile takes precedence over credentials in the environment.
    if (raw.profile !== undefined) {
      process.env.AWS_PROFILE = raw.profile;
      for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) delete process.env[v];
    }
    // Locksmith supports Node 20 (package.json engines); the SDK's notice about its own future support is noise here.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    let code: number;
    try {
      code = await runEnvelope(parseOptions(direction, raw), (line) => process.stderr.write(line + '\n'));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`locksmith ${direction}: ${e.message}\n`);
      code = EXIT.usage;
    }
    // Exit explicitly: the SDK's materials cache keeps a timer, and stdout must drain first.
    process.stdout.write('', () => process.exit(code));
  };
}

export function registerEnvelopeCommands(program: Command): void {
  common(
    program
      .command('encrypt')
      .description('encrypt a file, stdin or a tree into AWS Encryption SDK messages under KMS keys (the first --key generates the data key, each other --key also encrypts it)')
      .option('--frame-length <bytes>', 'plaintext bytes per authenticated frame', String(DEFAULT_FRAME_LENGTH)),
  ).action(action('encrypt'));
  common(
    program
      .command('decrypt')
      .description('decrypt AWS Encryption SDK messages; --key takes key ARNs (a Multi-Region replica ARN decrypts what its related keys encrypted)')
      .option('--discovery', 'use whichever KMS key the message names (limit with --account)')
      .option('--account <id>', 'with --discovery: only keys of this account (repeatable)', collect, [])
      .option('--buffer', "with --out -: write nothing to stdout until the whole message has verified (spools to a private temporary file)"),
  ).action(action('decrypt'));
}
