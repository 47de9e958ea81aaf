// Counts the writes a process's sockets to one port hand to the kernel (what a proxy cannot tell apart).
import { Socket } from 'node:net';

/**
 * Counts the writes sockets to `port` hand to the kernel: one per _write or _writev call (a corked socket's batch
 * is one _writev). The proxy cannot tell: writes made together arrive at it together.
 */
export function countSocketWrites(port: number) {
  const proto = Socket.prototype;
  const { _write: write, _writev: writev } = proto;
  let writes = 0;
  proto._write = function (this: Socket, ...args: Parameters<Socket['_write']>) {
    if (this.remotePort === port) writes++;
    return write.apply(this, args);
  };
  if (writev) {
    proto._writev = function (this: Socket, ...args: Parameters<NonNullable<Socket['_writev']>>) {
      if (this.remotePort === port) writes++;
      return writev.apply(this, args);
    };
  }
  return {
    get writes() {
      return writes;
    },
    reset() {
      writes = 0;
    },
    restore() {
      proto._write = write;
      proto._writev = writev;
    },
  };
}
