import { InvalidArgumentError } from 'commander';
import { expect, it } from 'vitest';
import { prometheusUrl } from './import-prometheus.js';

it('--url needs an http(s) URL with its scheme, and says so naming what it read', () => {
  expect(prometheusUrl('http://prometheus.monitoring:9090')).toBe('http://prometheus.monitoring:9090');
  expect(prometheusUrl('https://10.0.0.5:9090/prom')).toBe('https://10.0.0.5:9090/prom');
  expect(() => prometheusUrl('prometheus:9090')).toThrow(InvalidArgumentError);
  expect(() => prometheusUrl('prometheus:9090')).toThrow(/with its scheme.*read as scheme "prometheus:"/);
  expect(() => prometheusUrl('10.0.0.5:9090')).toThrow(/with its scheme/);
  expect(() => prometheusUrl('ftp://x')).toThrow(/read as scheme "ftp:"/);
});
