// Figure 4.4: UDP server repeatedly receives a request and sends it back to the client.
//
// The figure's program with its typing slips fixed (stray braces) and these changes:
//  - an optional first argument is the port (default 6789; 0 picks a free one);
//  - it first prints "listening on ADDRESS:PORT", so a script can read a free port back.
import java.net.*;
import java.io.*;

public class UDPServer {
    public static void main(String args[]) {
        DatagramSocket aSocket = null;
        try {
            int serverPort = args.length > 0 ? Integer.parseInt(args[0]) : 6789;
            aSocket = new DatagramSocket(serverPort);
            System.out.println("listening on " + aSocket.getLocalAddress().getHostAddress()
                               + ":" + aSocket.getLocalPort());
            byte[] buffer = new byte[1000];
            while (true) {
                DatagramPacket request = new DatagramPacket(buffer, buffer.length);
                aSocket.receive(request);
                DatagramPacket reply = new DatagramPacket(request.getData(),
                    request.getLength(), request.getAddress(), request.getPort());
                aSocket.send(reply);
            }
        } catch (SocketException e) {
            System.out.println("Socket: " + e.getMessage());
        } catch (IOException e) {
            System.out.println("IO: " + e.getMessage());
        } finally {
            if (aSocket != null) aSocket.close();
        }
    }
}
