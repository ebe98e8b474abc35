// The crawl settings every test of the web observatory starts from: the defaults of the configuration, a User-Agent
// that names the tests and a contact, and what each test changes (a short delay, one site at a time…).
import { type CrawlSettings, DEFAULT_CRAWL } from '../../pipelines/sources/sites/visite.ts';

export const UA_TEST = 'barometre-dcant-test (+https://example.org/contact)';

export const reglagesTest = (over: Partial<CrawlSettings> = {}): CrawlSettings => ({ ...DEFAULT_CRAWL, userAgent: UA_TEST, ...over });
