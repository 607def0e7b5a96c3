// Figure 4.20: Multicast peer joins a group and sends and receives datagrams.
//
// The figure's program with its typing slips fixed (stray braces) and these changes:
//  - an optional third argument is the port (default 6789);
//  - -Dmidway.if=IFNAME names the interface used to join the group and to send to it
//    (joinGroup(SocketAddress, NetworkInterface) and setNetworkInterface): on Linux,
//    peers on one machine without a network need -Dmidway.if=lo;
//  - -Dmidway.timeout=MS bounds each receive (setSoTimeout; 0, the default, waits
//    forever as in the figure);
//  - text is UTF-8 both ways, and only the bytes received are printed, not the whole
//    1000-byte buffer (which also kept the tail of longer earlier messages).
import java.net.*;
import java.io.*;
import java.nio.charset.StandardCharsets;

public class MulticastPeer {
    public static void main(String args[]) {
        // args give message contents & destination multicast group (e.g. "228.5.6.7")
        MulticastSocket s = null;
        try {
            InetAddress group = InetAddress.getByName(args[1]);
            int port = args.length > 2 ? Integer.parseInt(args[2]) : 6789;
            String ifName = System.getProperty("midway.if");
            NetworkInterface netIf = null;
            if (ifName != null) {
                netIf = NetworkInterface.getByName(ifName);
                if (netIf == null) throw new SocketException("no interface named " + ifName);
            }
            SocketAddress groupAddress = new InetSocketAddress(group, port);
            s = new MulticastSocket(port);
            s.setSoTimeout(Integer.getInteger("midway.timeout", 0));
            if (netIf != null) s.setNetworkInterface(netIf);
            s.joinGroup(groupAddress, netIf);
            byte[] m = args[0].getBytes(StandardCharsets.UTF_8);
            DatagramPacket messageOut = new DatagramPacket(m, m.length, group, port);
            s.send(messageOut);
            // get messages from others in group
            byte[] buffer = new byte[1000];
            for (int i = 0; i < 3; i++) {
                DatagramPacket messageIn = new DatagramPacket(buffer, buffer.length);
                s.receive(messageIn);
                System.out.println("Received:" + new String(messageIn.getData(), 0,
                    messageIn.getLength(), StandardCharsets.UTF_8));
            }
            s.leaveGroup(groupAddress, netIf);
        } catch (SocketException e) {
            System.out.println("Socket: " + e.getMessage());
        } catch (IOException e) {
            System.out.println("IO: " + e.getMessage());
        } finally {
            if (s != null) s.close();
        }
    }
}
