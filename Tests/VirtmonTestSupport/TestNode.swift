import Foundation

/// libvirt test-driver node XML with N domains, written to a temporary file: every third domain shut off, the
/// others running with a disk, a vNIC and (on even ones) a virtio balloon and nova metadata (project-0 … project-4).
/// The pollster tests and the dashboard's browser test read it through `test:///PATH`.
public enum TestNode {
    public static func uuid(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }

    public static func write(domains: Int) throws -> URL {
        var xml = """
            <node>
              <cpu><mode>fixed</mode><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads>
                <active>8</active><mhz>2000</mhz><model>x86_64</model></cpu>
              <memory>67108864</memory>

            """
        for index in 0..<domains {
            let off = index % 3 == 2
            let nova = index % 2 == 0 ? """
                <metadata>
                  <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
                    <nova:name>server-\(index)</nova:name>
                    <nova:flavor name="m1.small"><nova:memory>1024</nova:memory><nova:vcpus>2</nova:vcpus></nova:flavor>
                    <nova:owner><nova:user uuid="user-\(index % 4)">alice</nova:user><nova:project uuid="project-\(index % 5)">demo</nova:project></nova:owner>
                  </nova:instance>
                </metadata>
                """ : ""
            xml += """
                  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                    \(off ? "<test:runstate>5</test:runstate>" : "")
                    <name>vm-\(index)</name>
                    <uuid>\(uuid(index))</uuid>
                    <memory>1048576</memory><currentMemory>786432</currentMemory><vcpu>\(1 + index % 4)</vcpu>
                    <os><type>hvm</type></os>
                    \(nova)
                    <devices>
                      <disk type='file' device='disk'><source file='/guest/disk\(index).img'/><target dev='vda' bus='virtio'/></disk>
                      <interface type='network'><mac address='52:54:00:00:\(String(format: "%02x:%02x", index / 256, index % 256))'/><source network='default'/><target dev='vnet\(index)'/></interface>
                      \(index % 2 == 0 ? "<memballoon model='virtio'/>" : "")
                    </devices>
                  </domain>

                """
        }
        xml += "</node>\n"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("virtmon-node-\(domains)-\(UUID().uuidString).xml")
        try xml.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
