// gale-sim Renode recorder (part of the gale-renode crate; MIT OR Apache-2.0).
// Loaded with `include @.../GaleRecorder.cs`; adds two monitor commands on a
// machine:
//   machine GaleRecord "<name>" @out.events <rtt-address|0> <rtt-poll-hz> "<bkpt-addrs>"
//   machine GaleFeed "<PORT>" @<in>.input        (after GaleRecord)
//   machine GaleLink "<PORT>" "<peer machine>" "<PEER PORT>" <baud> "<faults>"
//   machine GaleFlush
// and writes one line per record to out.events (format in src/records.rs).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Antmicro.Renode.Core;
using Antmicro.Renode.Peripherals;
using Antmicro.Renode.Peripherals.CPU;
using Antmicro.Renode.Peripherals.UART;

namespace Gale.RenodeRecorder
{
    public static class GaleRecorderCommands
    {
        static readonly Dictionary<IMachine, Recorder> recorders = new Dictionary<IMachine, Recorder>();

        public static void GaleRecord(this IMachine machine, string machineName, string path, ulong rttAddress, uint rttPollHz, string bkptAddresses)
        {
            lock(recorders)
            {
                if(recorders.ContainsKey(machine))
                {
                    throw new ArgumentException("GaleRecord: this machine is already recorded");
                }
                recorders[machine] = new Recorder(machine, machineName, path, rttAddress, rttPollHz, bkptAddresses);
            }
        }

        // Delivers scheduled bytes (lines "<virtual ns> <hh>", ascending) to
        // the receiver of UART <PORT>, each at the first feed tick at or
        // after its time (ticks every FeedPeriodNs of virtual time).
        public static void GaleFeed(this IMachine machine, string port, string path)
        {
            lock(recorders)
            {
                Recorder r;
                if(!recorders.TryGetValue(machine, out r))
                {
                    throw new ArgumentException("GaleFeed: call GaleRecord on this machine first");
                }
                r.Feed(port, path);
            }
        }

        // Bytes this machine's UART <PORT> transmits arrive at <PEER PORT> of
        // the recorded machine named <peer machine>, paced at <baud> (8N1:
        // 10 bit times per byte, back to back when they queue up). <faults>:
        // comma-separated "d@<start>-<end>" (disconnected: bytes starting on
        // the wire then are lost) and "b<bit>@<start>-<end>" (that bit flipped),
        // virtual ns, end exclusive.
        public static void GaleLink(this IMachine machine, string port, string peerMachine, string peerPort, uint baud, string faults)
        {
            lock(recorders)
            {
                Recorder from;
                if(!recorders.TryGetValue(machine, out from))
                {
                    throw new ArgumentException("GaleLink: call GaleRecord on this machine first");
                }
                var to = recorders.Values.FirstOrDefault(r => r.MachineName == peerMachine);
                if(to == null)
                {
                    throw new ArgumentException("GaleLink: no recorded machine named " + peerMachine);
                }
                from.LinkTo(port, to, peerPort, baud, faults);
            }
        }

        public static void GaleFlush(this IMachine machine)
        {
            lock(recorders)
            {
                Recorder r;
                if(recorders.TryGetValue(machine, out r))
                {
                    r.Finish();
                }
            }
        }
    }

    public class Recorder
    {
        public Recorder(IMachine machine, string machineName, string path, ulong rttAddress, uint rttPollHz, string bkptAddresses)
        {
            this.machine = machine;
            this.machineName = machineName;
            this.rtt = rttAddress;
            // run.rs splits Renode's log here: what comes before is loading.
            Console.WriteLine("gale-renode: recording machine " + machineName);
            writer = new StreamWriter(path, false, new UTF8Encoding(false));
            writer.NewLine = "\n";
            Line("I", "start");

            foreach(var uart in machine.GetPeripheralsOfType<IUART>())
            {
                var source = Name(uart);
                uart.CharReceived += b => Line("U", source + " " + b.ToString("x2"), true);
            }

            foreach(var p in machine.GetPeripheralsOfType<INumberedGPIOOutput>())
            {
                if(!(p is IPeripheral) || !p.GetType().Namespace.EndsWith("GPIOPort"))
                {
                    continue;
                }
                var source = Name((IPeripheral)p);
                foreach(var entry in p.Connections)
                {
                    var gpio = entry.Value as GPIO;
                    if(gpio == null)
                    {
                        continue;
                    }
                    var pin = PinName(source, entry.Key);
                    gpio.AddStateChangedHook(level => Line("G", source + " " + pin + " " + (level ? "1" : "0"), true));
                }
            }

            cpu = machine.GetPeripheralsOfType<CortexM>().FirstOrDefault();
            if(cpu != null)
            {
                foreach(var a in bkptAddresses.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    var address = Convert.ToUInt64(a, 16);
                    cpu.AddHook(address, (c, pc) => Semihosting(pc));
                }
            }

            if(rtt != 0 && rttPollHz > 0)
            {
                poller = machine.ObtainManagedThread(PollRtt, rttPollHz, "gale-rtt", null, null);
                poller.Start();
            }
        }

        public const uint FeedHz = 100000;

        public string MachineName { get { return machineName; } }

        public void Feed(string port, string path)
        {
            var inbox = Inbox(port);
            foreach(var line in File.ReadAllLines(path))
            {
                var f = line.Split(' ');
                if(f.Length == 2)
                {
                    inbox.Add(ulong.Parse(f[0]), Convert.ToByte(f[1], 16));
                }
            }
        }

        public void LinkTo(string port, Recorder peer, string peerPort, uint baud, string faults)
        {
            var uart = Uart(port);
            var inbox = peer.Inbox(peerPort);
            var byteNs = 10000000000UL / baud;
            var windows = new List<Tuple<int, ulong, ulong>>(); // (-1: disconnect, else bit), start, end
            foreach(var f in faults.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var at = f.Split('@');
                var span = at[1].Split('-');
                var kind = at[0] == "d" ? -1 : int.Parse(at[0].Substring(1));
                windows.Add(Tuple.Create(kind, ulong.Parse(span[0]), ulong.Parse(span[1])));
            }
            ulong busyUntil = 0;
            uart.CharReceived += b =>
            {
                var start = Math.Max(Now(true), busyUntil);
                busyUntil = start + byteNs;
                foreach(var w in windows)
                {
                    if(start < w.Item2 || start >= w.Item3)
                    {
                        continue;
                    }
                    if(w.Item1 < 0)
                    {
                        return;
                    }
                    b ^= (byte)(1 << w.Item1);
                }
                inbox.Add(busyUntil, b);
            };
        }

        IUART Uart(string port)
        {
            var uart = machine.GetPeripheralsOfType<IUART>().FirstOrDefault(u => Name(u) == port);
            if(uart == null)
            {
                throw new ArgumentException("no UART named " + port + " in machine " + machineName);
            }
            return uart;
        }

        // Bytes waiting for their time at one UART receiver; a managed thread
        // delivers them (WriteChar) every 1/FeedHz of virtual time.
        public PortInbox Inbox(string port)
        {
            PortInbox inbox;
            if(!inboxes.TryGetValue(port, out inbox))
            {
                inbox = new PortInbox(this, port, Uart(port));
                inboxes[port] = inbox;
                var thread = machine.ObtainManagedThread(inbox.Deliver, FeedHz, "gale-rx-" + port, null, null);
                thread.Start();
                threads.Add(thread);
            }
            return inbox;
        }

        public class PortInbox
        {
            public PortInbox(Recorder owner, string port, IUART uart)
            {
                this.owner = owner;
                this.port = port;
                this.uart = uart;
            }

            // Keeps the list ordered by time (stable for equal times).
            public void Add(ulong at, byte b)
            {
                lock(items)
                {
                    var i = items.Count;
                    while(i > 0 && items[i - 1].Key > at)
                    {
                        i--;
                    }
                    items.Insert(i, new KeyValuePair<ulong, byte>(at, b));
                }
            }

            public void Deliver()
            {
                var now = owner.Now(false);
                while(true)
                {
                    byte b;
                    lock(items)
                    {
                        if(items.Count == 0 || items[0].Key > now)
                        {
                            return;
                        }
                        b = items[0].Value;
                        items.RemoveAt(0);
                    }
                    owner.Line("V", port + " " + b.ToString("x2"));
                    uart.WriteChar(b);
                }
            }

            readonly Recorder owner;
            readonly string port;
            readonly IUART uart;
            readonly List<KeyValuePair<ulong, byte>> items = new List<KeyValuePair<ulong, byte>>();
        }

        readonly Dictionary<string, PortInbox> inboxes = new Dictionary<string, PortInbox>();
        readonly List<IManagedThread> threads = new List<IManagedThread>();

        public void Finish()
        {
            PollRtt();
            Line("I", "end");
            writer.Flush();
        }

        static string PinName(string source, int pin)
        {
            // STM32 ports (GPIOA..GPIOG) as the engine names them: PC9.
            if(source.Length == 5 && source.StartsWith("GPIO") && char.IsLetter(source[4]))
            {
                return "P" + source[4] + pin;
            }
            // i.MX RT ports: GPIO3.4.
            return source + "." + pin;
        }

        public string Name(IPeripheral p)
        {
            string name;
            if(!machine.TryGetLocalName(p, out name))
            {
                name = p.GetType().Name;
            }
            return name.ToUpperInvariant();
        }

        // onCpu: called from the CPU thread (a register write, a hook), where
        // SyncTime makes the virtual time exact instead of the last sync point.
        public ulong Now(bool onCpu)
        {
            var t = machine.ElapsedVirtualTime.TimeElapsed.TotalNanoseconds;
            if(cpu != null)
            {
                if(onCpu)
                {
                    cpu.SyncTime();
                }
                // With several machines, the first one's ElapsedVirtualTime
                // stays at the start of the quantum; its CPU's time handle
                // has the exact time (the same value when both are exact).
                var handle = cpu.TimeHandle;
                if(handle != null)
                {
                    t = Math.Max(t, handle.TotalElapsedTime.TotalNanoseconds);
                }
            }
            return t;
        }

        public void Line(string kind, string rest, bool onCpu = false)
        {
            var t = Now(onCpu);
            lock(writer)
            {
                writer.Write(t);
                writer.Write(' ');
                writer.Write(kind);
                writer.Write(' ');
                writer.Write(rest);
                writer.Write('\n');
                writer.Flush();
            }
        }

        uint Word(ulong address)
        {
            return machine.SystemBus.ReadDoubleWord(address);
        }

        byte[] Bytes(ulong address, uint count)
        {
            var b = new byte[count];
            for(uint i = 0; i < count; i++)
            {
                b[i] = machine.SystemBus.ReadByte(address + i);
            }
            return b;
        }

        static string Hex(byte[] bytes)
        {
            var s = new StringBuilder(bytes.Length * 2);
            foreach(var b in bytes)
            {
                s.Append(b.ToString("x2"));
            }
            return s.ToString();
        }

        // SEGGER RTT up-channel 0, drained as a debug probe does (advances RdOff).
        void PollRtt()
        {
            if(rtt == 0)
            {
                return;
            }
            var id = Encoding.ASCII.GetString(Bytes(rtt, 10));
            if(id != "SEGGER RTT")
            {
                return;
            }
            var maxUp = Word(rtt + 16);
            if(maxUp < 1 || maxUp > 64)
            {
                return;
            }
            var desc = rtt + 24;
            var buffer = Word(desc + 4);
            var size = Word(desc + 8);
            var wr = Word(desc + 12);
            var rd = Word(desc + 16);
            if(size == 0 || wr >= size || rd >= size || wr == rd)
            {
                return;
            }
            var data = new List<byte>();
            while(rd != wr)
            {
                var end = wr > rd ? wr : size;
                data.AddRange(Bytes(buffer + rd, end - rd));
                rd = end == size ? 0 : end;
            }
            machine.SystemBus.WriteDoubleWord(desc + 16, rd);
            Line("R", Hex(data.ToArray()));
        }

        void Semihosting(ulong pc)
        {
            var op = (uint)cpu.GetRegister(0).RawValue;
            var r1 = (uint)cpu.GetRegister(1).RawValue;
            cpu.SyncTime();
            switch(op)
            {
            case 0x03: // SYS_WRITEC
                Line("C", Hex(Bytes(r1, 1)));
                break;
            case 0x04: // SYS_WRITE0
            {
                var s = new List<byte>();
                for(uint i = 0; i < 4096; i++)
                {
                    var b = machine.SystemBus.ReadByte(r1 + i);
                    if(b == 0)
                    {
                        break;
                    }
                    s.Add(b);
                }
                Line("C", Hex(s.ToArray()));
                break;
            }
            case 0x05: // SYS_WRITE {handle, ptr, len}
            {
                var handle = Word(r1);
                var ptr = Word(r1 + 4);
                var len = Math.Min(Word(r1 + 8), 4096u);
                if(handle == 1 || handle == 2 || handle == 3)
                {
                    Line("C", Hex(Bytes(ptr, len)));
                }
                break;
            }
            case 0x18: // SYS_EXIT: r1 is the reason
                PollRtt();
                Line("X", "18 " + r1.ToString("x") + " 0");
                cpu.IsHalted = true;
                break;
            case 0x20: // SYS_EXIT_EXTENDED: r1 -> {reason, subcode}
                PollRtt();
                Line("X", "20 " + Word(r1).ToString("x") + " " + Word(r1 + 4).ToString("x"));
                cpu.IsHalted = true;
                break;
            default:
                Line("S", op.ToString("x") + " " + r1.ToString("x"));
                break;
            }
        }

        readonly IMachine machine;
        readonly string machineName;
        readonly StreamWriter writer;
        readonly ulong rtt;
        readonly CortexM cpu;
        readonly IManagedThread poller;
    }
}
