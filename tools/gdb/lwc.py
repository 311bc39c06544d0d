"""gdb commands to inspect processes, lwCs and page tables of a running lwcos.

    proc list          every process: pid, parent, state, name, lwCs
    lwc list [PID]     the lwCs of PID (default: the running process)
    lwc show N [PID]   regions, descriptors and rights of lwC N
    pt walk ADDR       walk the loaded page table (CR3) for ADDR

They read kernel memory, so stop the kernel first (a breakpoint, or Ctrl-C).
"""

import gdb

DIRECT_MAP_BASE = 0xFFFF800000000000
PTE_ADDR_MASK = 0x000FFFFFFFFFF000
PAGE_SIZE = 4096
FD_TABLE_SIZE = 1024
FILE_KIND_NAMES = ["inode", "pipe-read", "pipe-write", "console", "null", "lwc"]


def field_offset(type_name, field):
    """Byte offset of field in struct type_name."""
    for f in gdb.lookup_type(type_name).fields():
        if f.name == field:
            return f.bitpos // 8
    raise gdb.GdbError("no field %s in %s" % (field, type_name))


def list_entries(head, type_name, link_field):
    """Yield each struct type_name linked through link_field on list head."""
    offset = field_offset(type_name, link_field)
    ptr_type = gdb.lookup_type(type_name).pointer()
    node = head["next"]
    while int(node) != int(head.address):
        yield (node.cast(gdb.lookup_type("char").pointer()) - offset).cast(ptr_type).dereference()
        node = node["next"]


def static_value(name):
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if symbol is None:
        raise gdb.GdbError("kernel variable %s not found (is build/kernel.elf loaded?)" % name)
    return symbol.value()


def processes():
    return list_entries(static_value("all_processes"), "struct process", "all_link")


def current_thread():
    return static_value("boot_cpu")["current"]


def find_process(pid):
    for p in processes():
        if int(p["pid"]) == pid:
            return p
    raise gdb.GdbError("no process with pid %d" % pid)


def process_arg(argv, index):
    if len(argv) > index:
        return find_process(int(argv[index], 0))
    thread = current_thread()
    if int(thread) == 0:
        raise gdb.GdbError("no thread is running yet")
    return thread["proc"].dereference()


def lwc_threads(proc, lwc):
    """Tids of proc's threads running in lwc."""
    return [int(t["tid"]) for t in list_entries(proc["threads"], "struct thread", "proc_link")
            if int(t["lwc"]) == int(lwc.address)]


class ProcPrefix(gdb.Command):
    """Commands about lwcos processes (see 'help proc list')."""

    def __init__(self):
        super().__init__("proc", gdb.COMMAND_DATA, prefix=True)


class ProcList(gdb.Command):
    """List every process: pid, parent pid, state, name, number of lwCs.

Usage: proc list"""

    def __init__(self):
        super().__init__("proc list", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        gdb.write("%5s %5s %-6s %-16s %s\n" % ("PID", "PPID", "STATE", "NAME", "LWCS"))
        for p in processes():
            parent = p["parent"]
            ppid = int(parent["pid"]) if int(parent) != 0 else 0
            state = "zombie" if int(p["state"]) == 1 else "alive"
            count = sum(1 for _ in list_entries(p["lwcs"], "struct lwc", "proc_link"))
            gdb.write("%5d %5d %-6s %-16s %d\n" % (int(p["pid"]), ppid, state,
                                                   p["name"].string(), count))


class LwcPrefix(gdb.Command):
    """Commands about light-weight contexts (see 'help lwc list', 'help lwc show')."""

    def __init__(self):
        super().__init__("lwc", gdb.COMMAND_DATA, prefix=True)


class LwcList(gdb.Command):
    """List the lwCs of a process.

Usage: lwc list [PID]   (default: the running process)
For each lwC: its id, the physical address of its PML4 (CR3 without the
PCID), its PCID (0 = none assigned), uid/gid, trap mode, references, and
the threads running in it. The process's root lwC is marked "(root lwC)"."""

    def __init__(self):
        super().__init__("lwc list", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        proc = process_arg(gdb.string_to_argv(argument), 0)
        root = int(proc["root_lwc"])
        gdb.write("pid %d (%s)\n" % (int(proc["pid"]), proc["name"].string()))
        gdb.write("%4s %-18s %5s %6s %6s %-7s %4s %s\n" % (
            "ID", "PML4", "PCID", "UID", "GID", "SYSTRAP", "REFS", "THREADS"))
        for l in list_entries(proc["lwcs"], "struct lwc", "proc_link"):
            vm = l["vm"]
            pml4 = int(vm["root"]) if int(vm) != 0 else 0
            pcid = int(vm["pcid"]) if int(vm) != 0 else 0
            marker = " (root lwC)" if int(l.address) == root else ""
            gdb.write("%4d %#18x %5d %6d %6d %-7s %4d %s%s\n" % (
                int(l["id"]), pml4, pcid, int(l["cred"]["euid"]), int(l["cred"]["egid"]),
                "yes" if bool(l["systrap"]) else "no", int(l["refcount"]),
                ",".join(str(t) for t in lwc_threads(proc, l)) or "-", marker))


class LwcShow(gdb.Command):
    """Show one lwC: its memory regions, descriptor table and lwC rights.

Usage: lwc show N [PID]"""

    def __init__(self):
        super().__init__("lwc show", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        argv = gdb.string_to_argv(argument)
        if not argv:
            raise gdb.GdbError("usage: lwc show N [PID]")
        wanted = int(argv[0], 0)
        proc = process_arg(argv, 1)
        for l in list_entries(proc["lwcs"], "struct lwc", "proc_link"):
            if int(l["id"]) == wanted:
                self.show(l)
                return
        raise gdb.GdbError("pid %d has no lwC %d" % (int(proc["pid"]), wanted))

    def show(self, l):
        vm = l["vm"]
        gdb.write("lwC %d: regions\n" % int(l["id"]))
        if int(vm) != 0:
            for r in list_entries(vm["regions"], "struct vm_region", "link"):
                prot = int(r["prot"])
                gdb.write("  [%#014x, %#014x) %s%s%s %s%s\n" % (
                    int(r["start"]), int(r["end"]),
                    "r" if prot & 1 else "-", "w" if prot & 2 else "-", "x" if prot & 4 else "-",
                    str(r["kind"]), " shared" if int(r["flags"]) & 1 else ""))
        gdb.write("descriptors\n")
        fds = l["fds"]
        if int(fds) == 0:
            return
        for fd in range(FD_TABLE_SIZE):
            f = fds["files"][fd]
            if int(f) == 0:
                continue
            kind = int(f["kind"])
            name = FILE_KIND_NAMES[kind] if kind < len(FILE_KIND_NAMES) else str(kind)
            line = "  %4d %-10s" % (fd, name)
            if name == "lwc":
                d = f["private_data"].cast(gdb.lookup_type("struct lwc_descriptor").pointer())
                rights = d["rights"]
                flags = int(rights["flags"])
                line += " -> lwC %d  rights:%s%s overlay mem ranges %d, fd ranges %d, creds %s" % (
                    int(d["target"]["id"]), " switch" if flags & 1 else "",
                    " syscall" if flags & 2 else "", int(rights["overlay_mem"]["count"]),
                    int(rights["overlay_fds"]["count"]),
                    "yes" if bool(rights["overlay_creds"]) else "no")
            gdb.write(line + "\n")


def read_u64(phys):
    inferior = gdb.selected_inferior()
    data = inferior.read_memory(DIRECT_MAP_BASE + phys, 8).tobytes()
    return int.from_bytes(data, "little")


def pte_flags(pte):
    names = [(0, "P"), (1, "W"), (2, "U"), (5, "A"), (6, "D"), (7, "PS"), (8, "G"), (9, "COW"), (63, "NX")]
    return " ".join(n for bit, n in names if pte >> bit & 1)


class PtPrefix(gdb.Command):
    """Commands about page tables (see 'help pt walk')."""

    def __init__(self):
        super().__init__("pt", gdb.COMMAND_DATA, prefix=True)


class PtWalk(gdb.Command):
    """Walk the loaded page table for a virtual address.

Usage: pt walk ADDR
Prints the PML4, PDPT, PD and PT entries that translate ADDR (reading them
through the kernel's direct map), stopping at a missing entry or a large
page, and the physical address ADDR maps to."""

    def __init__(self):
        super().__init__("pt walk", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        argv = gdb.string_to_argv(argument)
        if len(argv) != 1:
            raise gdb.GdbError("usage: pt walk ADDR")
        va = int(gdb.parse_and_eval(argv[0])) & 0xFFFFFFFFFFFFFFFF
        cr3 = int(gdb.parse_and_eval("$cr3"))
        table = cr3 & PTE_ADDR_MASK
        gdb.write("CR3 %#x (root %#x, PCID %d)\n" % (cr3, table, cr3 & 0xFFF))
        for level, name in ((4, "PML4"), (3, "PDPT"), (2, "PD"), (1, "PT")):
            index = (va >> (12 + 9 * (level - 1))) & 511
            pte = read_u64(table + index * 8)
            gdb.write("  %-4s[%3d] = %#018x  %s\n" % (name, index, pte, pte_flags(pte)))
            if not pte & 1:
                gdb.write("  not mapped\n")
                return
            if level in (2, 3) and pte >> 7 & 1:
                span = 1 << (12 + 9 * (level - 1))
                gdb.write("  -> physical %#x (%s page)\n" % (
                    (pte & PTE_ADDR_MASK & ~(span - 1)) + (va & (span - 1)),
                    "1 GiB" if level == 3 else "2 MiB"))
                return
            table = pte & PTE_ADDR_MASK
        gdb.write("  -> physical %#x\n" % (table + (va & (PAGE_SIZE - 1))))


ProcPrefix()
ProcList()
LwcPrefix()
LwcList()
LwcShow()
PtPrefix()
PtWalk()
