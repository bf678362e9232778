/** The BullMQ queue every server and worker of one deployment shares. */
export const QUEUE_NAME = 'edits';
/** BullMQ's own keys live under `frameforge:edits:*`, beside ours (redis-store.ts). */
export const BULLMQ_PREFIX = 'frameforge';
