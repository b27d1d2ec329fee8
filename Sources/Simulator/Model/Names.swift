// Name pools for users and callers. Accented, non-Latin-1 and CJK names are deliberate: the
// real server escapes everything beyond ASCII as \uXXXX (surrogate pairs included), and a
// collector must read them back intact.

enum Names {
    static let first: [String] = [
        "Alice", "Amélie", "Benoît", "Bruno", "Camille", "Chloé", "Claire", "David", "Élodie",
        "Emma", "François", "Gaëlle", "Hélène", "Hugo", "Inès", "Jérôme", "Julien", "Karim",
        "Laure", "Léa", "Louis", "Lucas", "Manon", "Marc", "Noémie", "Olivier", "Pauline",
        "Pierre", "Quentin", "Raphaël", "Sarah", "Søren", "Thomas", "Yasmine", "Zoë", "Łukasz",
        "Nadia", "Omar", "Paul", "Sophie", "Wei", "Yuki", "Ana", "Matías",
    ]

    static let last: [String] = [
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "García", "Müller",
        "Fournier", "Girard", "Bonnet", "Dupré", "Lambert", "Fontaine", "Rousseau", "Vincent",
        "Blanc", "Guérin", "Boyer", "Chevalier", "François", "Legrand", "Gauthier", "Perrin",
        "Nguyễn", "Kowalski", "O'Brien", "Brandão", "Şahin", "Ødegaard", "陈", "田中",
    ]

    static let queueNames: [String] = [
        "blue", "red", "green", "yellow", "orange", "purple", "pink", "brown", "grey", "white",
        "black", "cyan", "magenta", "olive", "navy", "teal", "maroon", "silver", "gold", "coral",
    ]

    static func queueName(_ index: Int) -> String {
        index < queueNames.count ? queueNames[index] : "queue\(index + 1)"
    }

    static func capitalized(_ s: String) -> String {
        guard let first = s.first else { return s }
        return first.uppercased() + s.dropFirst()
    }
}
