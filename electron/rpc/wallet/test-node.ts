/**
 * For tests: a real Ethereum node (ganache, in process) on a loopback port, as the upstream a
 * chain's `upstream_url` names. Instant mining, no logging.
 */
import ganache from 'ganache';

export interface TestNode {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Start ganache on 127.0.0.1 with `chainId` and, when given, accounts from `mnemonic` (1000 ETH each).
 * Ganache's published option types collapse under our compiler settings, hence the plain object.
 */
export async function startTestNode(options: { chainId: number; mnemonic?: string; accounts?: number }): Promise<TestNode> {
  const start = ganache.server as unknown as (options: Record<string, unknown>) => { listen(port: number, host: string): Promise<void>; address(): { port: number }; close(): Promise<void> };
  const node = start({
    logging: { quiet: true },
    chain: { chainId: options.chainId },
    wallet: { totalAccounts: options.accounts ?? 2, ...(options.mnemonic === undefined ? {} : { mnemonic: options.mnemonic }) },
  });
  await node.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${node.address().port}`, close: () => node.close() };
}
