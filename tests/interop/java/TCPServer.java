// Figure 4.6: TCP server makes a connection for each client and then echoes the client's
// request.
//
// The figure's program with its typing slips fixed (stray braces) and these changes:
//  - an optional first argument is the port (default 7896; 0 picks a free one);
//  - it first prints "listening on ADDRESS:PORT", so a script can read a free port back.
import java.net.*;
import java.io.*;

public class TCPServer {
    public static void main(String args[]) {
        try {
            int serverPort = args.length > 0 ? Integer.parseInt(args[0]) : 7896;
            ServerSocket listenSocket = new ServerSocket(serverPort);
            System.out.println("listening on "
                               + listenSocket.getInetAddress().getHostAddress() + ":"
                               + listenSocket.getLocalPort());
            while (true) {
                Socket clientSocket = listenSocket.accept();
                Connection c = new Connection(clientSocket);
            }
        } catch (IOException e) {
            System.out.println("Listen :" + e.getMessage());
        }
    }
}

class Connection extends Thread {
    DataInputStream in;
    DataOutputStream out;
    Socket clientSocket;

    public Connection(Socket aClientSocket) {
        try {
            clientSocket = aClientSocket;
            in = new DataInputStream(clientSocket.getInputStream());
            out = new DataOutputStream(clientSocket.getOutputStream());
            this.start();
        } catch (IOException e) {
            System.out.println("Connection:" + e.getMessage());
        }
    }

    public void run() {
        try { // an echo server
            String data = in.readUTF();
            out.writeUTF(data);
        } catch (EOFException e) {
            System.out.println("EOF:" + e.getMessage());
        } catch (IOException e) {
            System.out.println("IO:" + e.getMessage());
        } finally {
            try {
                clientSocket.close();
            } catch (IOException e) {
                /* close failed */
            }
        }
    }
}
