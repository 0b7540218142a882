/**
 * Command-line flags of the bench scripts: `--flag value` or `--flag=value`. `value()` takes the flag's value
 * (the inline one, else the next argument) and fails with the flag's name when there is none.
 */
export function eachFlag(argv: string[], onFlag: (flag: string, value: () => string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    onFlag(flag, () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    });
  }
}
