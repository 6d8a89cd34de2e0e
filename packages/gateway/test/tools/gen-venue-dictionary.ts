// Writes dictionary/VENUE-FIX44.xml from the gateway's FIX definitions (src/fix/definitions.ts).
// Usage: pnpm --filter @venue/gateway gen:dictionary   (test/dictionary.test.ts checks the file is current)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { venueDictionaryXml } from '../../src/fix/dictionary-xml.js';

const target = fileURLToPath(new URL('../../dictionary/VENUE-FIX44.xml', import.meta.url));
writeFileSync(target, venueDictionaryXml());
console.log(`wrote ${target}`);
