// The DuckDB side of the Serve benchmark: loads the incidents CSV that
// `vigil incidents --format csv` wrote into an in-memory table (not
// timed), then times the monthly-by-admin1 aggregate that vigil's
// /api/aggregates?by=month,admin1 answers: count and killed per month,
// country and province (matched in any case), in key order. Prints the
// median of the runs in milliseconds, and the number of groups.
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
await con.run(`CREATE TABLE incidents AS SELECT * FROM read_csv('${csv.replace(/'/g, "''")}', header = true,
  types = {'start': 'DATE', 'killed_best': 'INTEGER', 'admin1': 'VARCHAR', 'country': 'VARCHAR'})`);
const q = `SELECT coalesce(strftime(start, '%Y-%m'), '') AS period, country, lower(admin1) AS a1,
  count(*) AS n, coalesce(sum(killed_best), 0) AS killed
  FROM incidents GROUP BY ALL ORDER BY period, country, a1`;
const times = [];
let groups = 0;
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const r = await con.runAndReadAll(q);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  groups = r.getRows().length;
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ median_ms: times[Math.floor(times.length / 2)], runs, groups }));
