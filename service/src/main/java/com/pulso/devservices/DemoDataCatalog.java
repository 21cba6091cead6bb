package com.pulso.devservices;

import java.util.List;

/**
 * What the demo world is made of: its providers and products, the names its clients are built
 * from, and the daily rhythm of its sales. Fixed data, so every demo database looks alike.
 */
final class DemoDataCatalog {

  record DemoProvider(String name, List<DemoProduct> products) {}

  record DemoProduct(String code, String name) {}

  static final List<DemoProvider> PROVIDERS = List.of(
      new DemoProvider("Lácteos La Pradera S.A.S.", List.of(
          new DemoProduct("LAC-001", "Leche entera 1 L"),
          new DemoProduct("LAC-002", "Queso campesino 500 g"),
          new DemoProduct("LAC-003", "Yogur de mora 1 L"),
          new DemoProduct("LAC-004", "Kumis 1 L"),
          new DemoProduct("LAC-005", "Mantequilla 250 g"))),
      new DemoProvider("Café y Panela Sierra Nevada Ltda.", List.of(
          new DemoProduct("CAF-001", "Café tostado molido 500 g"),
          new DemoProduct("CAF-002", "Café en grano 1 kg"),
          new DemoProduct("CAF-003", "Café instantáneo 170 g"),
          new DemoProduct("CAF-004", "Panela orgánica 1 kg"),
          new DemoProduct("CAF-005", "Chocolate de mesa 500 g"),
          new DemoProduct("CAF-006", "Aromática de frutos rojos x20"))),
      new DemoProvider("Arepas y Harinas del Valle S.A.", List.of(
          new DemoProduct("ARE-001", "Arepa de maíz blanco x10"),
          new DemoProduct("ARE-002", "Arepa de choclo x5"),
          new DemoProduct("ARE-003", "Harina de maíz precocida 1 kg"),
          new DemoProduct("ARE-004", "Pandebono congelado x12"))));

  static final List<String> FIRST_NAMES = List.of(
      "Alejandro", "Andrés", "Camilo", "Carlos", "Daniel", "David", "Diego", "Eduardo", "Felipe", "Fernando",
      "Francisco", "Gabriel", "Germán", "Gustavo", "Hernán", "Iván", "Jaime", "Javier", "Jhon", "Jorge",
      "José", "Juan", "Julián", "Leonardo", "Luis", "Manuel", "Mario", "Mateo", "Mauricio", "Miguel",
      "Nicolás", "Óscar", "Pablo", "Pedro", "Rafael", "Ricardo", "Roberto", "Santiago", "Sebastián", "Sergio",
      "Simón", "Tomás", "Víctor", "Wilson", "Álvaro", "Esteban", "Hugo", "Emilio", "Samuel", "Martín",
      "Ana", "Andrea", "Ángela", "Beatriz", "Camila", "Carolina", "Catalina", "Claudia", "Daniela", "Diana",
      "Elena", "Gloria", "Isabel", "Juliana", "Laura", "Lina", "Lucía", "Luisa", "Manuela", "Margarita",
      "María", "Mariana", "Marta", "Mónica", "Natalia", "Paola", "Patricia", "Paula", "Rosa", "Sandra",
      "Sara", "Sofía", "Valentina", "Valeria", "Verónica", "Ximena", "Yolanda", "Adriana", "Alejandra", "Liliana");

  static final List<String> LAST_NAMES = List.of(
      "García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez", "Ramírez", "Torres",
      "Flórez", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez",
      "Ramos", "Vargas", "Castillo", "Jiménez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Castro",
      "Ruiz", "Álvarez", "Mendoza", "Muñoz", "Rojas", "Suárez", "Ospina", "Restrepo", "Cardona", "Zapata",
      "Giraldo", "Valencia", "Arango", "Jaramillo", "Henao", "Quintero", "Osorio", "Londoño", "Mejía", "Correa",
      "Salazar", "Montoya", "Betancur", "Uribe", "Agudelo", "Palacio", "Duque", "Escobar", "Cárdenas", "Parra",
      "Acosta", "Navarro", "Rincón", "Bermúdez", "Cifuentes", "Pineda", "Guerrero", "Velásquez", "Benítez", "Sierra",
      "Silva", "Molina", "Peña", "Vega", "Cortés", "Guzmán", "Rueda", "Arias", "Bustamante", "Caicedo",
      "Mosquera", "Orozco", "Patiño", "Sepúlveda", "Tobón", "Vélez", "Villa", "Zuluaga", "Franco", "Marín");

  /**
   * Relative number of sales per hour of the day (business zone, index = hour): almost nothing at
   * night, a peak at lunch (12–14 h) and another in the evening (18–20 h).
   */
  static final List<Integer> HOURLY_WEIGHTS = List.of(
      3, 2, 1, 1, 1, 2, 4, 7, 9, 10, 11, 14, 20, 19, 13, 10, 10, 12, 16, 18, 15, 10, 6, 4);

  /** Sales per unit of hourly weight on a weekday: about 3,000 sales a day. */
  static final int SALES_PER_WEIGHT = 14;

  /**
   * A sale amount in COP, as SQL: from 1,500.00 to 250,000.00 in steps of 50 pesos, log-uniform so
   * small baskets are the most frequent, as in a shop.
   */
  static final String AMOUNT_SQL = "(round(1500 * exp(random() * ln(250000 / 1500.0)) / 50) * 50)::numeric(14,2)";

  private DemoDataCatalog() {}
}
