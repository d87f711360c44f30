import { main } from './main.js';

// A reader that goes away (`noetl … | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv.slice(2));
// Exit now: a stray keep-alive socket or timer must not hold the command open.
process.exit(code);
