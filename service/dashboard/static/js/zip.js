// A ZIP archive of stored (uncompressed) files: all an XLSX needs, with no library.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function dosDateTime(date) {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return [time, day];
}

class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }

  bytes(data) {
    this.parts.push(data);
    this.length += data.length;
  }

  fields(sizes, values) {
    const buffer = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
    const view = new DataView(buffer.buffer);
    let at = 0;
    sizes.forEach((size, i) => {
      if (size === 2) view.setUint16(at, values[i], true);
      else view.setUint32(at, values[i], true);
      at += size;
    });
    this.bytes(buffer);
  }
}

/** `files` is [[name, text], ...]; returns the archive's bytes. */
export function zip(files, date = new Date()) {
  const encoder = new TextEncoder();
  const [time, day] = dosDateTime(date);
  const out = new Writer();
  const central = new Writer();
  for (const [name, text] of files) {
    const nameBytes = encoder.encode(name);
    const data = encoder.encode(text);
    const crc = crc32(data);
    const offset = out.length;
    // local header: signature, version, flags (UTF-8 names), method 0 = stored, time, date, crc, sizes, name length, extra length
    out.fields([4, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2], [0x04034b50, 20, 0x0800, 0, time, day, crc, data.length, data.length, nameBytes.length, 0]);
    out.bytes(nameBytes);
    out.bytes(data);
    central.fields([4, 2, 2, 2, 2, 2, 2, 4, 4, 4, 2, 2, 2, 2, 2, 4, 4],
      [0x02014b50, 20, 20, 0x0800, 0, time, day, crc, data.length, data.length, nameBytes.length, 0, 0, 0, 0, 0, offset]);
    central.bytes(nameBytes);
  }
  const centralOffset = out.length;
  for (const part of central.parts) out.bytes(part);
  out.fields([4, 2, 2, 2, 2, 4, 4, 2], [0x06054b50, 0, 0, files.length, files.length, central.length, centralOffset, 0]);
  const result = new Uint8Array(out.length);
  let at = 0;
  for (const part of out.parts) {
    result.set(part, at);
    at += part.length;
  }
  return result;
}
