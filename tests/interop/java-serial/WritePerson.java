// WritePerson.java - writes one object with java.io.ObjectOutputStream to a file:
//   java WritePerson person FILE      Person("Smith", "London", 1934)  (Figure 4.9)
//   java WritePerson household FILE   the nested case (see Household.java)
//   java WritePerson rich FILE        a Person with fields Midway's Person lacks
import java.io.FileOutputStream;
import java.io.ObjectOutputStream;

public class WritePerson {
    static Object make(String which) {
        if (which.equals("person"))
            return new Person("Smith", "London", 1934);
        if (which.equals("rich"))
            return new RichPerson("Smith", "London", 1934);
        Person[] people = { new Person("Jones", "Paris", 1950), new Person("Brown", "Rome", 1960) };
        String motto = "Ünïcödé \uD83D\uDE00 \u0800 ok"; // 2-, 3- and 6-byte modified UTF-8
        return new Household(true, -5L, Color.GREEN, null, new Person("Smith", "London", 1934),
            motto, motto, new int[] { 1, -2, 2147483647 }, people, people[1],
            new String[] { "a", "b" }, new double[] { 1.5, -0.25, 1e300 });
    }

    public static void main(String[] args) throws Exception {
        try (ObjectOutputStream out = new ObjectOutputStream(new FileOutputStream(args[1]))) {
            out.writeObject(make(args[0]));
        }
    }
}
