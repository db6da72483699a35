#!/usr/bin/env python3
"""libvirt test-driver node XML with N running domains (a disk, a vNIC and a balloon each), for the benchmarks:

    python3 scripts/test_node.py 200 > node.xml      # then test:///ABSOLUTE/PATH/node.xml
"""
import sys
n = int(sys.argv[1])
print("<node><cpu><mode>fixed</mode><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads>"
      "<active>8</active><mhz>2000</mhz><model>x86_64</model></cpu><memory>67108864</memory>")
for i in range(n):
    print(f"""<domain type='test'><name>vm-{i}</name><uuid>00000000-0000-4000-8000-{i:012d}</uuid>
<memory>1048576</memory><vcpu>{1 + i % 4}</vcpu><os><type>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/guest/disk{i}.img'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><mac address='52:54:00:00:{i // 256:02x}:{i % 256:02x}'/><source network='default'/><target dev='vnet{i}'/></interface>
<memballoon model='virtio'/></devices></domain>""")
print("</node>")
