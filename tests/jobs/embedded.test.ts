/** The jobs API with the embedded (in-process) queue: no REDIS_URL. */
import { jobsApiContract } from './api-contract.js';
import { startServer } from '../server/helpers.js';

jobsApiContract('embedded', (settings = {}, options = {}) => startServer({ logLevel: 'warn', ...settings }, options));
