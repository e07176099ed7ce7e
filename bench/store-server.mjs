// A DynamoDB-compatible server (dynalite, in memory) in a process of its own, one per measured
// function: its work never delays the bench's /proc sampler. Prints its port, then serves until killed.
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
