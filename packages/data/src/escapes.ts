// The real Kaggle train.csv stores many non-ASCII titles as literal `\xNN` byte escapes
// (Python bytes repr leaking into the export), e.g. `\xe2\x80\x9c`. Runs of escapes are UTF-8 byte
// sequences, so they are decoded together; invalid sequences become U+FFFD rather than failing.
const ESCAPE_RUN = /(?:\\x[0-9a-fA-F]{2})+/g;

export function decodeByteEscapes(text: string): string {
  if (!text.includes('\\x')) return text;
  return text.replace(ESCAPE_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 4);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 4 + 2, i * 4 + 4), 16);
    return new TextDecoder('utf-8').decode(bytes);
  });
}
