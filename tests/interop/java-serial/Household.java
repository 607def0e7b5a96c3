// Household.java - the nested case: an object field (head), an object referred to twice
// (spouse is people[1]), a null field (friend), one String in two fields (motto and
// nickname: written once, then as a back-reference), arrays of primitives, objects and
// strings, an enum, and primitive fields. Its serialVersionUID is not 1L, so the test
// also exercises mw_marshal_opts.java_suid.
import java.io.Serializable;
import java.util.Arrays;

public class Household implements Serializable {
    private static final long serialVersionUID = 0x4D49445741590001L;

    private boolean active;
    private long id;
    private Color color;
    private Person friend;
    private Person head;
    private String motto;
    private String nickname;
    private int[] numbers;
    private Person[] people;
    private Person spouse;
    private String[] tags;
    private double[] weights;

    public Household(boolean active, long id, Color color, Person friend, Person head,
                     String motto, String nickname, int[] numbers, Person[] people,
                     Person spouse, String[] tags, double[] weights) {
        this.active = active;
        this.id = id;
        this.color = color;
        this.friend = friend;
        this.head = head;
        this.motto = motto;
        this.nickname = nickname;
        this.numbers = numbers;
        this.people = people;
        this.spouse = spouse;
        this.tags = tags;
        this.weights = weights;
    }

    // The same text java_serial_peer prints, so the two can be compared. Doubles as their
    // bits, identity as booleans.
    @Override
    public String toString() {
        StringBuilder w = new StringBuilder("[");
        for (int i = 0; weights != null && i < weights.length; i++)
            w.append(i > 0 ? ", " : "").append(Long.toHexString(Double.doubleToRawLongBits(weights[i])));
        w.append("]");
        return "Household{active=" + active + ", id=" + id + ", color=" + color
            + ", friend=" + friend + ", head=" + head + ", motto=" + motto
            + ", nickname=" + nickname + ", sameString=" + (motto == nickname)
            + ", numbers=" + Arrays.toString(numbers) + ", people=" + Arrays.toString(people)
            + ", spouse=" + spouse
            + ", spouseIsPeople1=" + (people != null && people.length > 1 && spouse == people[1])
            + ", tags=" + Arrays.toString(tags) + ", weights=" + (weights == null ? "null" : w)
            + "}";
    }
}
