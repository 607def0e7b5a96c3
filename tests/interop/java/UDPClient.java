// Figure 4.3: UDP client sends a message to the server and gets a reply.
//
// The figure's program with its typing slips fixed (stray braces) and these changes:
//  - an optional third argument is the server port (default 6789);
//  - the request carries the bytes of the message (m.length), not one byte per char
//    (args[0].length()), so non-ASCII messages are sent whole; text is UTF-8 both ways;
//  - only the bytes received are printed, not the whole 1000-byte buffer;
//  - -Dmidway.timeout=MS bounds the wait for the reply (setSoTimeout; 0, the default,
//    waits forever as in the figure).
import java.net.*;
import java.io.*;
import java.nio.charset.StandardCharsets;

public class UDPClient {
    public static void main(String args[]) {
        // args give message contents and server hostname
        DatagramSocket aSocket = null;
        try {
            aSocket = new DatagramSocket();
            aSocket.setSoTimeout(Integer.getInteger("midway.timeout", 0));
            byte[] m = args[0].getBytes(StandardCharsets.UTF_8);
            InetAddress aHost = InetAddress.getByName(args[1]);
            int serverPort = args.length > 2 ? Integer.parseInt(args[2]) : 6789;
            DatagramPacket request = new DatagramPacket(m, m.length, aHost, serverPort);
            aSocket.send(request);
            byte[] buffer = new byte[1000];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            aSocket.receive(reply);
            System.out.println("Reply: " + new String(reply.getData(), 0, reply.getLength(),
                                                      StandardCharsets.UTF_8));
        } catch (SocketException e) {
            System.out.println("Socket: " + e.getMessage());
        } catch (IOException e) {
            System.out.println("IO: " + e.getMessage());
        } finally {
            if (aSocket != null) aSocket.close();
        }
    }
}
