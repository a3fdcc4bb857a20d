import type { TestProject } from 'vitest/node';
import { ensureRedis } from './redis.js';

/**
 * Makes sure a Redis answers for the queue tests: REDIS_URL if set and
 * answering, else 127.0.0.1:6379, else a redis-server started here on a free
 * port (stopped at teardown). The URL reaches tests as inject('redisUrl').
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await ensureRedis();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
