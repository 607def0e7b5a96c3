// ReadPerson.java - reads one object with java.io.ObjectInputStream from a file and prints
// it (Person and Household print their fields), in UTF-8.
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.ObjectInputStream;
import java.io.PrintStream;

public class ReadPerson {
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(args[0]))) {
            Object o = in.readObject();
            if (in.read() != -1)
                throw new IllegalStateException("bytes after the object");
            out.println(o);
        }
    }
}
