import { describe, expect, it } from 'vitest';
import {
  coreSettingsFrom,
  maskSecrets,
  maskSecretsInString,
  memoryConfigSchema,
  parseConfigText,
} from '../src/index.js';

describe('secret masking', () => {
  it('maskSecretsInString masks a URL password that itself contains "@" entirely', () => {
    const masked = maskSecretsInString('connect to postgres://app:p@ss@db.internal:5432/records failed');
    expect(masked).toBe('connect to postgres://app:********@db.internal:5432/records failed');
    expect(masked).not.toContain('ss@');
  });

  it('maskSecrets masks url values and password keys', () => {
    expect(maskSecrets({ url: 'postgres://u:s3cr@t@h/d', password: 'x' })).toEqual({
      url: 'postgres://u:********@h/d',
      password: '********',
    });
  });

  it('a YAML syntax error names the line but never echoes the line holding a password', () => {
    const text = ['storage_types:', '  main:', '    config:', '      password: s3cr3t: bad', ''].join('\n');
    let message = '';
    try {
      parseConfigText(text, { env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/invalid YAML/);
    expect(message).toMatch(/line 4/);
    expect(message).not.toContain('s3cr3t');
  });
});

describe('TTL settings that would misbehave are refused', () => {
  it('default_ttl_days: 0 is refused (it would expire every record as it is saved)', () => {
    expect(() => memoryConfigSchema.parse({ ttl_enabled: true, default_ttl_days: 0 })).toThrow();
  });

  it('a cleanup interval under one second is refused; 0 turns the timer off', () => {
    expect(() =>
      coreSettingsFrom(memoryConfigSchema.parse({ ttl_enabled: true, cleanup_interval_seconds: 0.0001 })),
    ).toThrow(/at least 1 second/);
    const off = coreSettingsFrom(
      memoryConfigSchema.parse({ ttl_enabled: true, cleanup_interval_seconds: 0 }),
    );
    expect(off.cleanupIntervalMs).toBeNull();
  });
});
