// gale-sim Renode recorder (part of the gale-renode crate; MIT OR Apache-2.0).
// Loaded with `include @.../GaleRecorder.cs`; adds two monitor commands on a
// machine:
//   machine GaleRecord "<name>" @out.events <rtt-address|0> <rtt-poll-hz> "<bkpt-addrs>"
//   machine GaleFeed "<PORT>" @<in>.input        (after GaleRecord)
//   machine GaleFlush
// and writes one line per record to out.events (format in cs/README.md).
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

    class Recorder
    {
        public Recorder(IMachine machine, string machineName, string path, ulong rttAddress, uint rttPollHz, string bkptAddresses)
        {
            this.machine = machine;
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

        public void Feed(string port, string path)
        {
            var uart = machine.GetPeripheralsOfType<IUART>().FirstOrDefault(u => Name(u) == port);
            if(uart == null)
            {
                throw new ArgumentException("GaleFeed: no UART named " + port);
            }
            var items = new List<KeyValuePair<ulong, byte>>();
            foreach(var line in File.ReadAllLines(path))
            {
                var f = line.Split(' ');
                if(f.Length == 2)
                {
                    items.Add(new KeyValuePair<ulong, byte>(ulong.Parse(f[0]), Convert.ToByte(f[1], 16)));
                }
            }
            var next = 0;
            var thread = machine.ObtainManagedThread(() =>
            {
                var now = machine.ElapsedVirtualTime.TimeElapsed.TotalNanoseconds;
                while(next < items.Count && items[next].Key <= now)
                {
                    var b = items[next++].Value;
                    Line("V", port + " " + b.ToString("x2"));
                    uart.WriteChar(b);
                }
            }, FeedHz, "gale-feed-" + port, null, null);
            thread.Start();
            feeders.Add(thread);
        }

        readonly List<IManagedThread> feeders = new List<IManagedThread>();

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

        string Name(IPeripheral p)
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
        void Line(string kind, string rest, bool onCpu = false)
        {
            if(onCpu && cpu != null)
            {
                cpu.SyncTime();
            }
            var t = machine.ElapsedVirtualTime.TimeElapsed.TotalNanoseconds;
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
        readonly StreamWriter writer;
        readonly ulong rtt;
        readonly CortexM cpu;
        readonly IManagedThread poller;
    }
}
