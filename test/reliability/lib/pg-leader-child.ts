/** A process that only competes for scheduler leadership (pg-leadership.test.ts kills it with -9). */
import { AdvisoryLeadership } from '../../../src/store/postgres/leadership.js';

const leadership = new AdvisoryLeadership({ connection: { connectionString: process.argv[2] }, intervalMs: 100, onChange: (l) => console.log(l ? 'leader' : 'follower') });
await leadership.start();
console.log(`started ${leadership.isLeader ? 'leader' : 'follower'}`);
setInterval(() => {}, 1 << 30);
