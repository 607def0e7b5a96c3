// Figure 4.5: TCP client makes connection to server, sends request and receives reply.
//
// The figure's program with its typing slips fixed (stray braces) and one change: an
// optional third argument is the server port (default 7896). -Dmidway.timeout=MS bounds
// the wait for the reply (setSoTimeout; 0, the default, waits forever as in the figure).
import java.net.*;
import java.io.*;

public class TCPClient {
    public static void main(String args[]) {
        // arguments supply message and hostname of destination
        Socket s = null;
        try {
            int serverPort = args.length > 2 ? Integer.parseInt(args[2]) : 7896;
            s = new Socket(args[1], serverPort);
            s.setSoTimeout(Integer.getInteger("midway.timeout", 0));
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeUTF(args[0]); // UTF is a string encoding see Sn 4.3
            String data = in.readUTF();
            System.out.println("Received: " + data);
        } catch (UnknownHostException e) {
            System.out.println("Sock:" + e.getMessage());
        } catch (EOFException e) {
            System.out.println("EOF:" + e.getMessage());
        } catch (IOException e) {
            System.out.println("IO:" + e.getMessage());
        } finally {
            if (s != null) try {
                s.close();
            } catch (IOException e) {
                System.out.println("close:" + e.getMessage());
            }
        }
    }
}
