// A real rsyslogd for the syslog plugin's tests, started by the test with a config of its own in
// a temp dir: an imuxsock socket there (not /dev/log: the system's socket is off) and a file
// output whose template keeps what the message carried (priority, facility, severity, program,
// pid) and the datagram as received. The test reads the file back. Debian's rsyslog package
// provides rsyslogd (CI installs it: .ci/run); without it `rsyslogAbsent` says what was not checked.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { waitFor } from './collector.js'

/** Whether rsyslogd (and util-linux's logger, which the plugin writes through) can be run here. */
export function rsyslogPresent(): boolean {
  const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined
  return run('rsyslogd', ['-v']) && run('logger', ['--version'])
}

/** Says, in the test's output, what was not checked because rsyslogd or logger is absent. */
export function rsyslogAbsent(t: Test, notChecked: string): void {
  t.comment(`NOT CHECKED: ${notChecked}: rsyslogd or logger is not installed (Debian: apt-get install rsyslog; CI installs it)`)
  t.pass(`rsyslogd absent: ${notChecked} not checked`)
}

export interface Syslog {
  /** The socket to point the gateway at (GATEWAY_SYSLOG_SOCKET). */
  socket: string
  /** The messages written so far. */
  messages(): SyslogMessage[]
}

export interface SyslogMessage {
  pri: number
  facility: string
  severity: string
  program: string
  pid: string
  /** The datagram as the daemon received it: `<PRI>Mmm dd hh:mm:ss kong[pid]: message`. */
  raw: string
  /** The message part (after `kong[pid]: `). */
  msg: string
}

const SEP = '\u0001'

export async function startRsyslog(t: Test): Promise<Syslog> {
  const dir = mkdtempSync(join(tmpdir(), 'rsyslog-test-'))
  const socket = join(dir, 'log')
  const out = join(dir, 'out.log')
  const fields = ['%pri%', '%syslogfacility-text%', '%syslogseverity-text%', '%programname%', '%procid%', '%rawmsg%'].join(SEP)
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="256k")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${socket}")
template(name="fields" type="string" string="${fields}\\n")
action(type="omfile" file="${out}" template="fields")
`,
  )
  const daemon = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { stdio: 'ignore' })
  t.teardown(() => {
    daemon.kill()
  })
  if (!(await waitFor(() => existsSync(socket)))) throw new Error(`rsyslogd did not create ${socket}`)
  return {
    socket,
    messages: () =>
      (existsSync(out) ? readFileSync(out, 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [pri, facility, severity, program, pid, raw] = line.split(SEP) as [string, string, string, string, string, string]
          return { pri: Number(pri), facility, severity, program, pid, raw, msg: raw.slice(raw.indexOf(']: ') + 3) }
        }),
  }
}
