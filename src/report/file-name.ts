// File names of exports: an ASCII name for every client, and the full name (Chinese program and organization names)
// in RFC 5987's filename* for those that read it (RFC 6266 §4.3: a client that knows filename* prefers it).

/** A name safe on every file system: no path separators, control or reserved characters, at most 150 characters. */
export function safeFileName(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"*/:<>?\\|]+/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return [...cleaned].slice(0, 150).join('') || 'export';
}

/** The ASCII fallback: every other character becomes '_', runs collapsed. */
export function asciiFileName(name: string): string {
  return (
    safeFileName(name)
      .replace(/[^\x20-\x7e]+/g, '_')
      .replace(/[%;,'`]/g, '_') || 'export'
  );
}

/** RFC 5987 ext-value: UTF-8, every byte outside attr-char percent-encoded. */
export function rfc5987(value: string): string {
  return `UTF-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** `attachment; filename="…"; filename*=UTF-8''…` for a name and extension (filename* only when it differs). */
export function contentDisposition(name: { ascii: string; unicode: string }, extension: string): string {
  const ascii = `${asciiFileName(name.ascii)}.${extension}`;
  const unicode = `${safeFileName(name.unicode)}.${extension}`;
  const fallback = `attachment; filename="${ascii}"`;
  return unicode === ascii ? fallback : `${fallback}; filename*=${rfc5987(unicode)}`;
}
