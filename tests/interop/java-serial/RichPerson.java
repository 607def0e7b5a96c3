// RichPerson.java - a Person whose Java class has grown fields of library classes that
// Midway's type does not have: objects with writeObject methods and block data
// (ArrayList, HashMap, Date), a java.lang.Class, a dynamic proxy, an externalizable
// object, a library enum, a double. Midway reads it as its Person, skipping them all, as
// ObjectInputStream skips the fields of a stream class that the local class lacks.
import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class RichPerson implements Serializable {
    private static final long serialVersionUID = 1L;

    static class Handler implements InvocationHandler, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) {
            return null;
        }
    }

    public static class Ext implements Externalizable {
        private static final long serialVersionUID = 1L;
        private int v = 7;

        public Ext() {
        }

        @Override
        public void writeExternal(ObjectOutput out) throws IOException {
            out.writeInt(v);
            out.writeObject("external");
        }

        @Override
        public void readExternal(ObjectInput in) throws IOException {
            v = in.readInt();
        }
    }

    private String name;
    private String place;
    private int year;
    private ArrayList<String> list = new ArrayList<>(List.of("x", "Smith"));
    private HashMap<String, Integer> map = new HashMap<>(Map.of("k", 1));
    private Date when = new Date(0);
    private Class<?> cls = String.class;
    private Serializable proxy = (Serializable) Proxy.newProxyInstance(
        RichPerson.class.getClassLoader(), new Class<?>[] { Runnable.class, Serializable.class },
        new Handler());
    private Ext ext = new Ext();
    private double height = 1.8;
    private Thread.State state = Thread.State.NEW;

    public RichPerson(String aName, String aPlace, int aYear) {
        name = aName;
        place = aPlace;
        year = aYear;
    }
}
